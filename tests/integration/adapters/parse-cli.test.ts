import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TagRead } from '../../../schemas/index.js';

const BIN = fileURLToPath(new URL('../../../bin/bondtrack.js', import.meta.url));

/** Run the real `bondtrack parse` with `input` on stdin (written in two chunks). */
function runParse(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'parse', ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    const half = Math.floor(input.length / 2);
    child.stdin.write(input.slice(0, half));
    child.stdin.end(input.slice(half));
  });
}

describe('bondtrack parse (real process)', () => {
  it('prints TagReads on stdout and each rejected line with its reason on stderr', async () => {
    const input = [
      '#Alien RFID Reader Auto Notification Message',
      '#Time: 2026/04/02 20:00:05',
      'Tag:3178 E61C 8839 50F5 9A00 0000, Disc:2026/04/02 20:00:00, Last:2026/04/02 20:00:01, Count:4, Ant:0',
      'Tag:3000 2141 60C0 0400 0000 6013, Disc:2026/04/02 20:00:02, Last:2026/04/02 20:00:03, Count:2, Ant:1',
      'BEEP BEEP',
      '#End of Notification Message',
      '',
    ].join('\r\n');
    const { code, stdout, stderr } = await runParse(
      ['--format', 'alien-text', '--tz', 'Asia/Shanghai'],
      input,
    );
    const reads = stdout
      .trim()
      .split('\n')
      .map((line) => TagRead.parse(JSON.parse(line)));
    expect(reads).toEqual([
      {
        epc: '3178E61C883950F59A000000',
        antenna: 1,
        seenAtUs: Date.parse('2026-04-02T12:00:01Z') * 1000,
        count: 4,
      },
      {
        epc: '3000214160C0040000006013',
        antenna: 2,
        seenAtUs: Date.parse('2026-04-02T12:00:03Z') * 1000,
        count: 2,
      },
    ]);
    expect(stderr).toContain('line 5: BT_SERIAL_UNRECOGNISED_LINE');
    expect(stderr).toContain('BEEP BEEP');
    expect(stderr).toContain('parse: 2 reads, 1 rejected, 3 skipped');
    expect(code).toBe(1);
  }, 30_000);

  it('reads Zebra payloads, reports an eventNum gap, and exits 0 when nothing was rejected', async () => {
    const event = (n: number) =>
      JSON.stringify({
        data: { eventNum: n, idHex: '3178E61C883950F59A000000', antenna: 1, peakRssi: -50 },
        timestamp: '2026-04-02T12:00:00Z',
        type: 'SIMPLE',
      });
    const { code, stdout, stderr } = await runParse(
      ['--format', 'zebra-iotc'],
      `${event(1)}\n${event(2)}\n${event(5)}\n`,
    );
    expect(stdout.trim().split('\n')).toHaveLength(3);
    expect(stderr).toContain('eventNum 5 after 2 (2 missing)');
    expect(code).toBe(0);
  }, 30_000);

  it('names a missing format option and exits 2', async () => {
    const { code, stderr } = await runParse(['--format', 'csv'], 'x\n');
    expect(stderr).toContain('--columns');
    expect(code).toBe(2);
  }, 30_000);
});
