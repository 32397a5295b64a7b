import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createPublisher,
  type Publisher,
  type PublisherOptionsInput,
} from '../../../adapters/publish/index.js';
import {
  DeadLetter,
  ReadBatch,
  ReaderStatus,
  mqttTopics,
  parseWith,
  type TagRead,
} from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from './mqtt-capture.js';
import { quietLogger } from './quiet-logger.js';
import { startTcpProxy } from './tcp-proxy.js';

const T0 = 1_764_000_000_000_000;
const read = (i: number): TagRead => ({
  epc: `3178E61C883950F59A00${i.toString(16).toUpperCase().padStart(4, '0')}`,
  antenna: 1,
  seenAtUs: T0 + i,
  count: 1,
});

function open(options: PublisherOptionsInput): Publisher {
  const publisher = createPublisher(options, { logger: quietLogger('publisher-test') });
  onTestFinished(async () => {
    await publisher.close();
  });
  return publisher;
}

/** Mosquitto through a TCP proxy the test can cut. */
async function proxiedBroker() {
  const broker = new URL(testServices().mqttUrl);
  const proxy = await startTcpProxy(broker.hostname, Number(broker.port || 1883));
  return { proxy, mqttUrl: `mqtt://127.0.0.1:${proxy.port}` };
}

describe('publisher on Mosquitto', () => {
  it('batches by size, flushes the rest on close, and counts what it did', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const publisher = open({ mqttUrl, site, source: 'serial', batchSize: 3, lingerMs: 60_000 });
    publisher.setReaderStatus('r1', 'online', 'port open');
    for (let i = 0; i < 7; i++) expect(publisher.push('r1', read(i))).toBe(true);
    expect(
      publisher.deadLetter({
        readerId: 'r1',
        code: 'BT_SERIAL_BAD_ENCODING',
        reason: 'line is not valid UTF-8',
        payload: Buffer.from([0xff, 0xfe, 0x00]),
      }),
    ).toBe(true);

    await expect.poll(() => capture.json('reads').length, { timeout: 10_000 }).toBe(2); // the 7th read lingers
    const result = await publisher.close();
    expect(result).toEqual({ unpublishedMessages: 0, unpublishedReads: 0 });
    await expect.poll(() => capture.json('reads').length, { timeout: 10_000 }).toBe(3);

    const batches = capture.json('reads').map((m) => parseWith(ReadBatch, 'ReadBatch', m));
    expect(batches.map((b) => [b.seq, b.reads.length])).toEqual([
      [0, 3],
      [1, 3],
      [2, 1],
    ]);
    expect(new Set(batches.map((b) => b.batchId.split(':')[1]))).toEqual(new Set([publisher.bootId]));
    expect(batches.flatMap((b) => b.reads)).toEqual(Array.from({ length: 7 }, (_, i) => read(i)));

    const letter = parseWith(DeadLetter, 'DeadLetter', capture.json('dead-letters')[0]);
    expect(letter).toMatchObject({
      stage: 'adapter:serial',
      code: 'BT_SERIAL_BAD_ENCODING',
      payloadEncoding: 'base64',
      readerId: 'r1',
      site,
    });
    expect(Buffer.from(letter.payload, 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00]));

    await expect
      .poll(() => capture.json('status').map((s) => parseWith(ReaderStatus, 'ReaderStatus', s).state), {
        timeout: 5000,
      })
      .toEqual(['online', 'offline']);
    expect(publisher.stats()).toMatchObject({
      readsIn: 7,
      batchesFormed: 3,
      batchesPublished: 3,
      readsPublished: 7,
      deadLetters: 1,
      deadLettersPublished: 1,
      publishErrors: 0,
      queued: 0,
      inFlight: 0,
      statusPublished: 2,
    });
    expect(() => publisher.push('r1', read(8))).toThrow(
      expect.objectContaining({ code: 'BT_PUBLISH_CLOSED' }),
    );
  });

  it('sends a partial batch after lingerMs', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const capture = await captureMqtt(mqttUrl, mqttTopics.reads(site, 'r1'));
    const publisher = open({ mqttUrl, site, source: 'serial', batchSize: 500, lingerMs: 50 });
    publisher.push('r1', read(1));
    publisher.push('r1', read(2));
    await expect.poll(() => capture.messages.length, { timeout: 5000 }).toBe(1);
    expect(parseWith(ReadBatch, 'ReadBatch', capture.json('reads')[0]).reads).toHaveLength(2);
  });

  it('refuses a reader id that cannot be a topic level', () => {
    const publisher = open({ mqttUrl: testServices().mqttUrl, site: uniqueName('site'), source: 'serial' });
    expect(() => publisher.push('dock/1', read(1))).toThrow(
      expect.objectContaining({ code: 'BT_PUBLISH_BAD_READER_ID' }),
    );
    expect(() => publisher.setReaderStatus('#', 'online')).toThrow(
      expect.objectContaining({ code: 'BT_PUBLISH_BAD_READER_ID' }),
    );
  });

  it('while the broker is unreachable: bounded backlog, backpressure, nothing dropped, all delivered after reconnect', async () => {
    const site = uniqueName('site');
    const capture = await captureMqtt(testServices().mqttUrl, mqttTopics.reads(site, 'r1'));
    const { proxy, mqttUrl } = await proxiedBroker();
    const publisher = open({
      mqttUrl,
      site,
      source: 'serial',
      batchSize: 1,
      maxInFlight: 2,
      highWaterMark: 4,
      reconnectPeriodMs: 100,
    });
    await expect.poll(() => publisher.stats().connected, { timeout: 5000 }).toBe(true);

    await proxy.cut();
    await expect.poll(() => publisher.stats().connected, { timeout: 5000 }).toBe(false);
    // 2 go to MQTT.js (which holds them for the reconnect), 4 wait in the outbox; the 6th push says "stop".
    const writable = Array.from({ length: 6 }, (_, i) => publisher.push('r1', read(i)));
    expect(writable).toEqual([true, true, true, true, true, false]);
    expect(publisher.stats()).toMatchObject({ inFlight: 2, queued: 4 });
    let drained = false;
    const whenDrained = publisher.whenWritable().then(() => (drained = true));
    // A caller that ignores the signal still loses nothing; the backlog only grows by what it pushes.
    expect(publisher.push('r1', read(6))).toBe(false);
    expect(drained).toBe(false);
    expect(capture.messages).toHaveLength(0);

    await proxy.restore();
    await whenDrained;
    await expect.poll(() => capture.messages.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(7);
    const batches = capture.json('reads').map((m) => parseWith(ReadBatch, 'ReadBatch', m));
    expect(new Set(batches.map((b) => b.seq))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    for (const b of batches) expect(b.batchId).toBe(`r1:${publisher.bootId}:${b.seq}`);
    // A subscriber can see the last message before its PUBACK is back at the publisher.
    await expect
      .poll(() => publisher.stats(), { timeout: 10_000 })
      .toMatchObject({
        batchesPublished: 7,
        readsPublished: 7,
        queued: 0,
        inFlight: 0,
        messagesFailed: 0,
      });
  });

  it('the last will marks each reader offline when the connection dies without a goodbye', async () => {
    const site = uniqueName('site');
    const capture = await captureMqtt(testServices().mqttUrl, mqttTopics.allStatus(site));
    const { proxy, mqttUrl } = await proxiedBroker();
    const publisher = open({ mqttUrl, site, source: 'serial', closeTimeoutMs: 200 });
    publisher.setReaderStatus('r1', 'online');
    publisher.setReaderStatus('r2', 'online');
    const states = () =>
      capture
        .json('status')
        .map((s) => parseWith(ReaderStatus, 'ReaderStatus', s))
        .map((s) => `${s.readerId}:${s.state}${s.atUs === undefined ? ':will' : ''}`)
        .sort();
    await expect.poll(states, { timeout: 5000 }).toEqual(['r1:online', 'r2:online']);

    await proxy.cut(); // the broker sees the sockets drop, as if the process had died
    await expect
      .poll(states, { timeout: 10_000 })
      .toEqual(['r1:offline:will', 'r1:online', 'r2:offline:will', 'r2:online']);
  });

  it('close() gives up after closeTimeoutMs when the broker is away, and says what was lost', async () => {
    const site = uniqueName('site');
    const { proxy, mqttUrl } = await proxiedBroker();
    const publisher = open({ mqttUrl, site, source: 'serial', batchSize: 2, closeTimeoutMs: 300 });
    await expect.poll(() => publisher.stats().connected, { timeout: 5000 }).toBe(true);
    await proxy.cut();
    await expect.poll(() => publisher.stats().connected, { timeout: 5000 }).toBe(false);
    for (let i = 0; i < 5; i++) publisher.push('r1', read(i));
    const started = performance.now();
    expect(await publisher.close()).toEqual({ unpublishedMessages: 3, unpublishedReads: 5 });
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
