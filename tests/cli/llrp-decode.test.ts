import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emptyTagReportData, encodeMessage } from '../../adapters/llrp/index.js';

const BIN = fileURLToPath(new URL('../../bin/bondtrack.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI with `input` on stdin (spawnBondtrack ignores stdin, which `llrp decode` reads). */
function runCli(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const lines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// V28 (two tags), V18 (CLOSE_CONNECTION + response), V03 (REN connect) from shared/reference/vectors/llrp.txt.
const V28 =
  '043d0000004e0000000100f000228d3005fb63ac1f3841ec88046781000186ce820004ec2ea8354c0988000100f000228d300833b2ddd906c00000000081000186c6820004ec2ea8355af2880001';
const V18 = '040e0000000a0000002304040000001200000023011f000800000000';
const V03 = '043f000000200000000000f600160080000c00042b1923a01bda010000060000';

describe('bondtrack llrp decode (real process)', () => {
  it('prints one JSON line per message, with tags for reports and status names', async () => {
    // Whitespace and line breaks anywhere, as when pasting from a capture.
    const input = `${V28.slice(0, 30)}\n ${V28.slice(30)}\n${V18.replace(/(..)/g, '$1 ')}\n${V03}\n`;
    const run = await runCli(['llrp', 'decode'], input);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.map((m) => m.type)).toEqual([
      'RO_ACCESS_REPORT',
      'CLOSE_CONNECTION',
      'CLOSE_CONNECTION_RESPONSE',
      'READER_EVENT_NOTIFICATION',
    ]);
    expect(out[0]).toMatchObject({ id: 1, version: 1 });
    expect(out[0]!.tags).toEqual([
      {
        epc: '3005FB63AC1F3841EC880467',
        epcBits: 96,
        antenna: 1,
        rssiDbm: -50,
        firstSeenUs: 1385585041558537,
        seenCount: 1,
      },
      {
        epc: '300833B2DDD906C000000000',
        epcBits: 96,
        antenna: 1,
        rssiDbm: -58,
        firstSeenUs: 1385585041562354,
        seenCount: 1,
      },
    ]);
    expect(out[2]).toMatchObject({ id: 35, statusCode: 0, statusName: 'M_Success' });
    expect(out[3]).toMatchObject({
      readerEventNotificationData: {
        timestamp: { type: 'UTCTimestamp', microseconds: 1173286878714842 },
        connectionAttemptEvent: { status: 0 },
      },
    });
  });

  it('prints 64-bit values above 2^53 as strings, and every tag field the reader sent', async () => {
    const t = emptyTagReportData('E280116060000209A6F2C8A1F3E5A7B9');
    Object.assign(t, {
      antennaId: 2,
      peakRssiDbm: -61,
      channelIndex: 7,
      firstSeenUtcUs: 2n ** 60n,
      lastSeenUtcUs: 1767225600000001n,
      tagSeenCount: 4,
      c1g2Pc: 0x3000,
      c1g2Crc: 0xbeef,
      roSpecId: 9,
      specIndex: 1,
      accessSpecId: 5,
    });
    const hex = encodeMessage({ type: 'RO_ACCESS_REPORT', id: 2, tagReportData: [t] }).toString('hex');
    const run = await runCli(['llrp', 'decode'], hex);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)[0]!.tags).toEqual([
      {
        epc: 'E280116060000209A6F2C8A1F3E5A7B9',
        epcBits: 128,
        antenna: 2,
        rssiDbm: -61,
        firstSeenUs: (2n ** 60n).toString(),
        lastSeenUs: 1767225600000001,
        seenCount: 4,
        channelIndex: 7,
        pc: 0x3000,
        crc: 0xbeef,
        rospecId: 9,
        specIndex: 1,
        accessSpecId: 5,
      },
    ]);
  });

  it('malformed input: the error names the byte offset, good messages still print, exit code non-zero', async () => {
    // KEEPALIVE, then V12 with its last TV cut short (TagSeenCount announced, 1 byte missing) but a consistent header.
    const broken = '043d0000002b4095892f00f000218d3005fb63ac1f3841ec88046781000186ce820004ec2ea8354c098800';
    const run = await runCli(['llrp', 'decode'], `043e0000000a00000000${broken}043e0000000a00000001`);
    expect(run.code).toBe(1);
    expect(lines(run.stdout).map((m) => [m.type, m.id])).toEqual([
      ['KEEPALIVE', 0],
      ['KEEPALIVE', 1],
    ]);
    expect(run.stderr).toMatch(
      /at byte 51\).*RO_ACCESS_REPORT id 1083541807 starting at byte 10 \[BT_LLRP_BAD_PARAMETER_LENGTH\]/,
    );
  });

  it('non-hex input and a 4 GB length are refused with the offset', async () => {
    const hex = await runCli(['llrp', 'decode'], '043e00zz');
    expect(hex.code).not.toBe(0);
    expect(hex.stderr).toMatch(/at byte 3\).*BT_LLRP_BAD_HEX/);
    const huge = await runCli(['llrp', 'decode'], '043dffffffff00000000');
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(
      /length 4294967295 exceeds maxMessageBytes.*at byte 2\).*BT_LLRP_FRAME_TOO_LARGE/,
    );
  });

  it('--help documents the output', async () => {
    const run = await runCli(['llrp', 'decode', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/firstSeenUs/);
    expect(run.stdout).toMatch(/2\^53/);
  });

  it('llrp fuzz reports counts and passes', async () => {
    const run = await runCli(['llrp', 'fuzz', '--iterations', '3000', '--seed', '11', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      iterations: number;
      unexpectedErrors: number;
      messagesDecoded: number;
    };
    expect(report.iterations).toBe(3000);
    expect(report.unexpectedErrors).toBe(0);
    expect(report.messagesDecoded).toBeGreaterThan(0);
  });

  it('llrp bench prints decode and baseline rates and their ratio', async () => {
    const run = await runCli(['llrp', 'bench', '--seconds', '1', '--reports', '20', '--json']);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout) as {
      decodeTagsPerSec: number;
      baselineTagsPerSec: number;
      ratio: number;
    };
    expect(r.decodeTagsPerSec).toBeGreaterThan(0);
    expect(r.baselineTagsPerSec).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.decodeTagsPerSec / r.baselineTagsPerSec, 2);
  });
});
