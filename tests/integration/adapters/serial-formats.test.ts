import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSerialAdapter, type SerialAdapterOptionsInput } from '../../../adapters/serial/index.js';
import { DeadLetter, ReadBatch, parseWith } from '../../../schemas/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { createTestPty } from '../../helpers/pty.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt, type MqttCapture } from './mqtt-capture.js';
import { quietLogger } from './quiet-logger.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

function readsOf(capture: MqttCapture) {
  return capture.json('reads').flatMap((m) => parseWith(ReadBatch, 'ReadBatch', m).reads);
}

function start(options: SerialAdapterOptionsInput) {
  const adapter = startSerialAdapter(options, { logger: quietLogger('serial-formats-test') });
  onTestFinished(async () => {
    await adapter.stop();
  });
  return adapter;
}

describe('serial adapter with line formats on a real pty and Mosquitto', () => {
  it('alien-text: notification blocks in CRLF, split across writes, local time → UTC, garbage dead-lettered', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const pty = await createTestPty();
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = start({
      site,
      mqttUrl,
      ports: [{ path: pty.adapterPath, readerId: 'gate-a' }],
      format: 'alien-text',
      timeZone: 'Asia/Shanghai',
      lingerMs: 20,
    });
    await expect.poll(() => adapter.stats().readers[0]?.state, { timeout: 10_000 }).toBe('open');

    const block = [
      '#Alien RFID Reader Auto Notification Message',
      '#ReaderName: Gate A',
      '#Time: 2026/04/02 20:00:05',
      'Tag:3178 E61C 8839 50F5 9A00 0000, Disc:2026/04/02 20:00:00, Last:2026/04/02 20:00:01, Count:4, Ant:0',
      'Tag:3178 E61C 8839 50F5 9A00 0001, Disc:2026/04/02 20:00:02, Last:2026/04/02 20:00:03, Count:1, Ant:2',
      'NOISE',
      '#End of Notification Message',
      '',
    ].join('\r\n');
    const cut = block.indexOf('Last:2026/04/02 20:00:03');
    await pty.write(block.slice(0, cut));
    await pty.write(block.slice(cut));

    await expect
      .poll(() => readsOf(capture), { timeout: 10_000 })
      .toEqual([
        { epc: '3178E61C883950F59A000000', antenna: 1, seenAtUs: us('2026-04-02T12:00:01Z'), count: 4 },
        { epc: '3178E61C883950F59A000001', antenna: 3, seenAtUs: us('2026-04-02T12:00:03Z'), count: 1 },
      ]);
    await expect.poll(() => capture.json('dead-letters').length, { timeout: 10_000 }).toBe(1);
    expect(parseWith(DeadLetter, 'DeadLetter', capture.json('dead-letters')[0])).toMatchObject({
      code: 'BT_SERIAL_UNRECOGNISED_LINE',
      readerId: 'gate-a',
      payload: 'NOISE\r',
    });
    expect(adapter.stats().readers[0]).toMatchObject({ reads: 2, deadLetters: 1, skippedLines: 4 });
  });

  it('csv per port: each port uses its own columns', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const [a, b] = [await createTestPty(), await createTestPty()];
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    start({
      site,
      mqttUrl,
      format: 'csv',
      csvColumns: ['epc', 'antenna', 'seenAtUs'],
      ports: [
        { path: a.adapterPath, readerId: 'dock-1' },
        { path: b.adapterPath, readerId: 'dock-2', csvColumns: ['antenna', 'epc', 'ts'], antennaBase: 0 },
      ],
      lingerMs: 20,
    });
    await expect.poll(() => capture.json('status').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await a.write('3178E61C883950F59A000000,2,1775131200000000\n');
    await b.write('0,3178E61C883950F59A000001,2026-04-02T12:00:00Z\n');
    await expect
      .poll(() => readsOf(capture).sort((x, y) => x.epc.localeCompare(y.epc)), { timeout: 10_000 })
      .toEqual([
        { epc: '3178E61C883950F59A000000', antenna: 2, seenAtUs: 1775131200000000, count: 1 },
        { epc: '3178E61C883950F59A000001', antenna: 1, seenAtUs: us('2026-04-02T12:00:00Z'), count: 1 },
      ]);
  });

  it('refuses a format without its settings at start, naming the setting', () => {
    expect(() =>
      startSerialAdapter(
        { site: 's', ports: [{ path: '/dev/null', readerId: 'r' }], format: 'alien-custom' },
        { logger: quietLogger('serial-formats-test') },
      ),
    ).toThrow(/customFormat/);
  });
});

describe('bondtrack adapter serial --format (real process)', () => {
  it('reads Alien terse lines under a notification header, with --tz and an on-disk queue', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const pty = await createTestPty();
    const queueDir = await mkdtemp(join(tmpdir(), 'bondtrack-cli-queue-'));
    onTestFinished(() => rm(queueDir, { recursive: true, force: true }));
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const cli = spawnBondtrack(
      [
        'adapter',
        'serial',
        '--site',
        site,
        '--port',
        `${pty.adapterPath}=gate-b`,
        '--format',
        'alien-terse',
      ].concat(['--tz', 'America/New_York', '--queue-dir', queueDir, '--linger-ms', '20']),
      { MQTT_URL: mqttUrl },
    );
    await expect
      .poll(() => capture.json('status').some((s) => (s as { state: string }).state === 'online'), {
        timeout: 20_000,
      })
      .toBe(true);
    await pty.write(
      '#Alien RFID Reader Auto Notification Message\r\n#Time: 2026/11/01 01:30:00\r\n3178 E61C 8839 50F5 9A00 0000,3,1\r\n#End of Notification Message\r\n',
    );
    // 01:30 happens twice in New York that night; the earlier one (EDT, UTC-4) is taken.
    await expect
      .poll(() => readsOf(capture), { timeout: 10_000 })
      .toEqual([
        { epc: '3178E61C883950F59A000000', count: 3, antenna: 2, seenAtUs: us('2026-11-01T05:30:00Z') },
      ]);
    expect(await cli.stop('SIGTERM')).toBe(0);
    expect((await readdir(queueDir)).filter((f) => f.endsWith('.jsonl')).length).toBeLessThanOrEqual(1);
  }, 40_000);
});
