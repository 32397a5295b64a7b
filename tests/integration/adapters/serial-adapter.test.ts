import { readlink, rename, symlink } from 'node:fs/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSerialAdapter, type SerialAdapterOptionsInput } from '../../../adapters/serial/index.js';
import { DeadLetter, ReadBatch, ReaderStatus, mqttTopics, parseWith } from '../../../schemas/index.js';
import { createTestPty } from '../../helpers/pty.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt, type MqttCapture } from './mqtt-capture.js';
import { quietLogger } from './quiet-logger.js';
import { startTcpProxy } from './tcp-proxy.js';

const T0 = 1_764_000_000_000_000;
const line = (i: number, extra = ''): string =>
  `{"epc":"3178E61C883950F59A00${i.toString(16).toUpperCase().padStart(4, '0')}","antenna":1,"rssiDbm":-52.5,"seenAtUs":${T0 + i},"count":1${extra}}\n`;
const epc = (i: number): string => `3178E61C883950F59A00${i.toString(16).toUpperCase().padStart(4, '0')}`;

function batches(capture: MqttCapture): ReadBatch[] {
  return capture.json('reads').map((m) => parseWith(ReadBatch, 'ReadBatch', m));
}
function statuses(capture: MqttCapture): ReaderStatus[] {
  return capture.json('status').map((m) => parseWith(ReaderStatus, 'ReaderStatus', m));
}
function epcsOf(capture: MqttCapture): string[] {
  return batches(capture).flatMap((b) => b.reads.map((r) => r.epc));
}

function start(options: SerialAdapterOptionsInput) {
  const adapter = startSerialAdapter(options, { logger: quietLogger('serial-adapter-test') });
  onTestFinished(async () => {
    await adapter.stop();
  });
  return adapter;
}

describe('serial adapter (jsonl) on a real pty and Mosquitto', () => {
  it('publishes good reads as ReadBatches, garbage as dead letters, and keeps reading', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const readerId = 'dock-1';
    const pty = await createTestPty();
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = start({
      site,
      mqttUrl,
      ports: [{ path: pty.adapterPath, readerId }],
      batchSize: 2,
      lingerMs: 30,
    });

    await expect.poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 }).toContain('online');

    await pty.write(line(1) + line(2).replace('\n', '\r\n') + line(3).replace(epc(3), epc(3).toLowerCase()));
    await pty.write('garbage\n');
    await pty.write('{"epc":"3178E61C883950F59A00000","antenna":1,"seenAtUs":1764000000000000}\n'); // 23 hex digits
    await pty.write(
      `{"epc":"${epc(4).toLowerCase()}","antenna":2,"ts":"2026-04-02T12:00:01.250123Z"}\n\n` + line(5),
    );

    await expect
      .poll(() => epcsOf(capture), { timeout: 10_000 })
      .toEqual([epc(1), epc(2), epc(3), epc(4), epc(5)]);
    const published = batches(capture);
    expect(published.map((b) => b.seq)).toEqual(published.map((_, i) => i));
    for (const batch of published) {
      expect(batch).toMatchObject({ v: 1, site, readerId, source: 'serial' });
      expect(batch.batchId).toBe(`${readerId}:${adapter.bootId}:${batch.seq}`);
      expect(batch.batchId).toMatch(/^dock-1:[0-9a-z]+-[0-9a-f]{6}:\d+$/);
      expect(batch.reads.length).toBeLessThanOrEqual(2);
    }
    const reads = published.flatMap((b) => b.reads);
    expect(reads[3]).toEqual({
      epc: epc(4),
      antenna: 2,
      seenAtUs: Date.UTC(2026, 3, 2, 12, 0, 1) * 1000 + 250_123,
      count: 1,
    });

    await expect.poll(() => capture.json('dead-letters').length, { timeout: 10_000 }).toBe(2);
    const [garbage, badEpc] = capture.json('dead-letters').map((m) => parseWith(DeadLetter, 'DeadLetter', m));
    expect(garbage).toMatchObject({
      v: 1,
      stage: 'adapter:serial',
      code: 'BT_SERIAL_BAD_JSON',
      site,
      readerId,
      payload: 'garbage',
      payloadEncoding: 'utf8',
    });
    expect(garbage!.reason).toMatch(/^not valid JSON/);
    expect(badEpc).toMatchObject({
      code: 'BT_SERIAL_BAD_READ',
      payload: '{"epc":"3178E61C883950F59A00000","antenna":1,"seenAtUs":1764000000000000}',
    });
    expect(badEpc!.reason).toMatch(/^invalid TagRead: epc: must be 1 to 31 16-bit words/);

    // A subscriber that comes later still learns that the reader is online (retained).
    const late = await captureMqtt(mqttUrl, mqttTopics.status(site, readerId));
    await expect.poll(() => late.messages.length, { timeout: 5000 }).toBe(1);
    expect(late.messages[0]!.retain).toBe(true);
    expect(parseWith(ReaderStatus, 'ReaderStatus', JSON.parse(late.messages[0]!.text))).toMatchObject({
      state: 'online',
      site,
      readerId,
    });

    const stats = adapter.stats();
    expect(stats.readers[0]).toMatchObject({
      lines: 7,
      blankLines: 0,
      reads: 5,
      deadLetters: 2,
      opens: 1,
      state: 'open',
    });
    expect(stats.publisher).toMatchObject({
      readsIn: 5,
      readsPublished: 5,
      deadLetters: 2,
      deadLettersPublished: 2,
      publishErrors: 0,
    });

    const closed = await adapter.stop();
    expect(closed).toEqual({ unpublishedMessages: 0, unpublishedReads: 0 });
    await expect.poll(() => statuses(capture).at(-1)?.state, { timeout: 5000 }).toBe('offline');
  });

  it('survives the device disappearing: offline, reopens by itself, online, reads flow again', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const readerId = 'gate-a';
    const pty = await createTestPty();
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = start({
      site,
      mqttUrl,
      ports: [{ path: pty.adapterPath, readerId }],
      lingerMs: 20,
      reopenInitialDelayMs: 50,
      reopenMaxDelayMs: 200,
      presenceCheckMs: 100,
    });
    await expect.poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 }).toEqual(['online']);
    await pty.write(line(1));
    await expect.poll(() => epcsOf(capture), { timeout: 10_000 }).toEqual([epc(1)]);
    await pty.write('{"epc":"3178E6'); // cut off by the unplug: still input, so it must not vanish
    await expect.poll(() => adapter.stats().readers[0]!.bytes, { timeout: 5000 }).toBe(line(1).length + 14);

    await pty.unplug();
    await expect
      .poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 })
      .toEqual(['online', 'offline']);
    expect(statuses(capture)[1]!.detail).toMatch(/closed/);
    // Several reopen attempts fail while the device is away; none of them restarts anything.
    await expect
      .poll(() => adapter.stats().readers[0]!.openFailures, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    expect(adapter.stats().readers[0]!.state).toBe('reopening');

    await pty.replug();
    await expect
      .poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 })
      .toEqual(['online', 'offline', 'online']);
    await pty.write(line(2) + line(3));
    await expect.poll(() => epcsOf(capture), { timeout: 10_000 }).toEqual([epc(1), epc(2), epc(3)]);
    // One boot, one sequence: the reconnect does not restart seq.
    expect(batches(capture).map((b) => b.seq)).toEqual(batches(capture).map((_, i) => i));
    expect(adapter.stats().readers[0]).toMatchObject({ opens: 2, disconnects: 1, state: 'open' });
    const letters = capture.json('dead-letters').map((m) => parseWith(DeadLetter, 'DeadLetter', m));
    expect(letters.map((l) => [l.code, l.payload])).toEqual([['BT_SERIAL_BAD_JSON', '{"epc":"3178E6']]);
  });

  it('notices when its path leads to another device, even though serialport saw nothing', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const [first, second] = [await createTestPty(), await createTestPty()];
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = start({
      site,
      mqttUrl,
      ports: [{ path: first.adapterPath, readerId: 'r1' }],
      lingerMs: 20,
      presenceCheckMs: 100,
      reopenInitialDelayMs: 50,
    });
    await expect.poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 }).toEqual(['online']);

    // Re-point the path at another pty while the first stays alive: its fd never errors, as when
    // serialport misses an unplug (bindings-cpp#162) and the device comes back at the same path.
    const swap = `${first.adapterPath}.swap`;
    await symlink(await readlink(second.adapterPath), swap);
    await rename(swap, first.adapterPath);
    await expect
      .poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 })
      .toEqual(['online', 'offline', 'online']);
    expect(statuses(capture)[1]!.detail).toMatch(/another device/);
    await second.write(line(7));
    await expect.poll(() => epcsOf(capture), { timeout: 10_000 }).toEqual([epc(7)]);
    expect(adapter.stats().readers[0]).toMatchObject({ opens: 2, disconnects: 1 });
  });

  it('refuses overlong lines and non-UTF-8 bytes as dead letters and reads on', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const pty = await createTestPty();
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    start({
      site,
      mqttUrl,
      ports: [{ path: pty.adapterPath, readerId: 'r1' }],
      lingerMs: 20,
      maxLineBytes: 256,
    });
    await expect.poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 }).toEqual(['online']);

    await pty.write(line(1) + 'x'.repeat(5000) + '\n' + line(2));
    await pty.write(Buffer.concat([Buffer.from([0xff, 0xfe, 0x41, 0x0a]), Buffer.from(line(3))]));
    await expect.poll(() => epcsOf(capture), { timeout: 10_000 }).toEqual([epc(1), epc(2), epc(3)]);
    await expect.poll(() => capture.json('dead-letters').length, { timeout: 10_000 }).toBe(2);
    const [long, binary] = capture.json('dead-letters').map((m) => parseWith(DeadLetter, 'DeadLetter', m));
    expect(long).toMatchObject({
      code: 'BT_SERIAL_LINE_TOO_LONG',
      payload: 'x'.repeat(257),
      payloadEncoding: 'utf8',
    });
    expect(long!.reason).toMatch(/^line longer than 256 bytes/);
    expect(binary).toMatchObject({
      code: 'BT_SERIAL_BAD_ENCODING',
      payloadEncoding: 'base64',
      payload: Buffer.from([0xff, 0xfe, 0x41]).toString('base64'),
    });
  });

  it('stops reading while the broker is away (backpressure), then delivers every read', async () => {
    const site = uniqueName('site');
    const broker = new URL(testServices().mqttUrl);
    const proxy = await startTcpProxy(broker.hostname, Number(broker.port || 1883));
    const pty = await createTestPty();
    const capture = await captureMqtt(testServices().mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = start({
      site,
      mqttUrl: `mqtt://127.0.0.1:${proxy.port}`,
      ports: [{ path: pty.adapterPath, readerId: 'r1' }],
      batchSize: 1,
      maxInFlight: 2,
      highWaterMark: 4,
    });
    await expect.poll(() => statuses(capture).map((s) => s.state), { timeout: 10_000 }).toEqual(['online']);
    await proxy.cut();
    await expect.poll(() => adapter.stats().publisher.connected, { timeout: 5000 }).toBe(false);

    const total = 40;
    const writing = pty.write(Array.from({ length: total }, (_, i) => line(i)).join(''));
    await expect.poll(() => adapter.stats().readers[0]!.paused, { timeout: 5000 }).toBe(true);
    const whilePaused = adapter.stats();
    expect(whilePaused.readers[0]!.reads).toBeLessThan(total); // it stopped reading instead of queueing everything
    expect(whilePaused.publisher.queued).toBeLessThanOrEqual(4 + 1);
    expect(whilePaused.publisher.inFlight).toBeLessThanOrEqual(2);

    await proxy.restore();
    await writing;
    await expect.poll(() => new Set(epcsOf(capture)).size, { timeout: 20_000 }).toBe(total);
    expect(new Set(epcsOf(capture))).toEqual(new Set(Array.from({ length: total }, (_, i) => epc(i))));
    await expect.poll(() => adapter.stats().readers[0]!.paused, { timeout: 5000 }).toBe(false);
    // The subscriber may see the last batch before the adapter sees its PUBACK.
    await expect.poll(() => adapter.stats().publisher.readsPublished, { timeout: 5000 }).toBe(total);
    expect(adapter.stats().publisher).toMatchObject({ readsIn: total, messagesFailed: 0 });
  });

  it('serves several ports from one process, each with its own reader id and status', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const [a, b] = [await createTestPty(), await createTestPty()];
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    start({
      site,
      mqttUrl,
      lingerMs: 20,
      ports: [
        { path: a.adapterPath, readerId: 'r-a' },
        { path: b.adapterPath, readerId: 'r-b' },
      ],
    });
    await expect
      .poll(
        () => new Set(capture.messages.filter((m) => m.topic.endsWith('/status')).map((m) => m.topic)).size,
        { timeout: 10_000 },
      )
      .toBe(2);
    await a.write(line(1));
    await b.write(line(2));
    await expect
      .poll(
        () =>
          batches(capture)
            .map((x) => `${x.readerId}:${x.reads[0]!.epc}`)
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual([`r-a:${epc(1)}`, `r-b:${epc(2)}`]);
    expect(
      capture.messages
        .filter((m) => m.topic.endsWith('/reads'))
        .map((m) => m.topic)
        .sort(),
    ).toEqual([mqttTopics.reads(site, 'r-a'), mqttTopics.reads(site, 'r-b')]);
  });
});
