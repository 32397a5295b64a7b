import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ReadBatch, ReaderStatus, parseWith } from '../../../schemas/index.js';
import { createTestPty } from '../../helpers/pty.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt, type MqttCapture } from './mqtt-capture.js';

const BIN = fileURLToPath(new URL('../../../bin/bondtrack.js', import.meta.url));

/** `node bin/bondtrack.js …` as a real child process; killed at the end of the test if still running. */
function runBondtrack(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, exited, output: () => output };
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}

const states = (capture: MqttCapture) =>
  capture.json('status').map((s) => parseWith(ReaderStatus, 'ReaderStatus', s));
const LINE =
  '{"epc":"3178E61C883950F59A000001","antenna":1,"rssiDbm":-52.5,"seenAtUs":1764000000000000,"count":1}\n';

describe('bondtrack adapter serial (real process)', () => {
  it('publishes what the reader sends, and on SIGTERM flushes, publishes offline and exits 0', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const pty = await createTestPty();
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const cli = runBondtrack([
      'adapter',
      'serial',
      '--site',
      site,
      '--port',
      `${pty.adapterPath}=dock-1`,
      '--mqtt-url',
      mqttUrl,
      '--linger-ms',
      '20',
    ]);

    await expect.poll(() => states(capture).map((s) => s.state), { timeout: 20_000 }).toEqual(['online']);
    await pty.write(LINE + LINE.replace('0001', '0002'));
    await expect.poll(() => capture.json('reads').length, { timeout: 10_000 }).toBe(1);
    const batch = parseWith(ReadBatch, 'ReadBatch', capture.json('reads')[0]);
    expect(batch).toMatchObject({ site, readerId: 'dock-1', source: 'serial', seq: 0 });
    expect(batch.reads.map((r) => r.epc)).toEqual(['3178E61C883950F59A000001', '3178E61C883950F59A000002']);

    cli.child.kill('SIGTERM');
    expect(await withDeadline(cli.exited, 15_000, 'exit after SIGTERM')).toBe(0);
    expect(states(capture).at(-1)).toMatchObject({ state: 'offline', readerId: 'dock-1' });
    expect(states(capture).at(-1)!.atUs).toBeDefined(); // published by the adapter, not its last will
    expect(cli.output()).toContain('serial adapter stopped');
  });

  it('a killed adapter shows offline through its last will', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const pty = await createTestPty();
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const cli = runBondtrack(['adapter', 'serial', '--site', site, '--port', `${pty.adapterPath}=gate-1`], {
      MQTT_URL: mqttUrl,
    });
    await expect.poll(() => states(capture).map((s) => s.state), { timeout: 20_000 }).toEqual(['online']);

    cli.child.kill('SIGKILL');
    expect(await withDeadline(cli.exited, 10_000, 'exit after SIGKILL')).toBe('SIGKILL');
    await expect
      .poll(() => states(capture).map((s) => s.state), { timeout: 10_000 })
      .toEqual(['online', 'offline']);
    expect(states(capture)[1]!.atUs).toBeUndefined();
    expect(states(capture)[1]!.detail).toMatch(/last will/);
  });

  it('explains usage errors', async () => {
    const [noPort, badPort, badSite, help] = [
      runBondtrack(['adapter', 'serial', '--site', 'site-a']),
      runBondtrack(['adapter', 'serial', '--site', 'site-a', '--port', '/dev/ttyUSB0']),
      runBondtrack(['adapter', 'serial', '--site', 'site/a', '--port', '/dev/ttyUSB0=r1']),
      runBondtrack(['adapter', 'serial', '--help']),
    ];
    expect(await withDeadline(noPort.exited, 20_000, 'exit')).toBe(1);
    expect(noPort.output()).toContain('at least one --port PATH=READER_ID is required');
    expect(await withDeadline(badPort.exited, 20_000, 'exit')).toBe(1);
    expect(badPort.output()).toContain('expected PATH=READER_ID');
    expect(await withDeadline(badSite.exited, 20_000, 'exit')).toBe(2);
    expect(badSite.output()).toMatch(/invalid serial adapter options: site: must be/);
    expect(await withDeadline(help.exited, 20_000, 'exit')).toBe(0);
    expect(help.output()).toContain('Example:');
    expect(help.output()).toContain('--port <path=readerId>');
  });
});
