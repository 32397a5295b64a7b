import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createPublisher } from '../../../adapters/publish/index.js';
import { ReadBatch, ReaderStatus, parseWith, type TagRead } from '../../../schemas/index.js';
import { uniqueName } from '../../helpers/services.js';
import { startOwnMosquitto } from './own-mosquitto.js';
import { quietLogger } from './quiet-logger.js';

const T0 = 1_775_131_200_000_000;
const READERS = ['dock-1', 'dock-2'];
const TOTAL = 12_000;
const read = (i: number): TagRead => ({
  epc: `3178E61C883950F59A${i.toString(16).toUpperCase().padStart(6, '0')}`,
  antenna: 1 + (i % 4),
  seenAtUs: T0 + i,
  count: 1,
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-queue-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('publisher with the on-disk queue, broker outage mid-flood', () => {
  it('loses no read and delivers none twice (after the bridge batchId check), in order per reader', async () => {
    const broker = await startOwnMosquitto();
    const site = uniqueName('site');

    // Downstream: a persistent-session subscriber, as the bridge is.
    const received: ReadBatch[] = [];
    const subscriber = await connectAsync(broker.url, {
      clientId: uniqueName('bt-test-downstream'),
      clean: false,
      reconnectPeriod: 100,
    });
    onTestFinished(() => subscriber.endAsync(true));
    subscriber.on('message', (_topic, payload) => {
      received.push(parseWith(ReadBatch, 'ReadBatch', JSON.parse(payload.toString('utf8'))));
    });
    await subscriber.subscribeAsync(`bondtrack/v1/${site}/readers/+/reads`, { qos: 1 });

    const queueDir = await tempDir();
    const publisher = createPublisher(
      {
        mqttUrl: broker.url,
        site,
        source: 'serial',
        batchSize: 50,
        lingerMs: 10,
        queueDir,
        reconnectPeriodMs: 100,
        closeTimeoutMs: 20_000,
      },
      { logger: quietLogger('publisher-outage-test') },
    );
    onTestFinished(async () => {
      await publisher.close();
    });

    let sawDiskBacklog = false;
    for (let i = 0; i < TOTAL; i++) {
      if (i === 3_000) {
        await broker.stop();
        // The broker saved the subscriber's session; otherwise the test would measure broker loss.
        expect((await readdir(broker.dataDir)).includes('mosquitto.db')).toBe(true);
        await expect.poll(() => publisher.stats().connected, { timeout: 10_000 }).toBe(false);
      }
      if (i === 8_000) {
        sawDiskBacklog = (publisher.stats().diskQueue?.messages ?? 0) > 50;
        expect((await readdir(queueDir)).some((f) => f.endsWith('.jsonl'))).toBe(true);
        await broker.start();
      }
      if (!publisher.push(READERS[i % 2]!, read(i))) await publisher.whenWritable();
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    publisher.flush();
    expect(sawDiskBacklog).toBe(true);

    // What the bridge forwards: each batchId once.
    const forwarded = () => {
      const byId = new Map<string, ReadBatch>();
      for (const batch of received) if (!byId.has(batch.batchId)) byId.set(batch.batchId, batch);
      return [...byId.values()];
    };
    await expect
      .poll(() => forwarded().reduce((sum, b) => sum + b.reads.length, 0), {
        timeout: 30_000,
        message: 'every read forwarded',
      })
      .toBe(TOTAL)
      .catch((err: unknown) => {
        const seqs = forwarded().map((b) => `${b.readerId}:${b.seq}`);
        throw new Error(
          `${String(err)}; batches ${seqs.length}, stats ${JSON.stringify(publisher.stats())}, last ${seqs.slice(-6).join(' ')}`,
        );
      });

    const reads = forwarded().flatMap((b) => b.reads);
    const keys = new Set(reads.map((r) => `${r.epc}@${r.seenAtUs}`));
    expect(keys.size).toBe(TOTAL); // no read in two different batches
    expect([...keys].sort()).toEqual(
      Array.from({ length: TOTAL }, (_, i) => `${read(i).epc}@${read(i).seenAtUs}`).sort(),
    );
    for (const readerId of READERS) {
      const seqs = forwarded()
        .filter((b) => b.readerId === readerId)
        .map((b) => b.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // replayed in order
    }

    const closed = await publisher.close();
    expect(closed).toMatchObject({ unpublishedMessages: 0, unpublishedReads: 0, keptOnDisk: 0 });
  }, 60_000);

  it('what close() could not deliver stays on disk, and the next process sends it with the same batchIds', async () => {
    const site = uniqueName('site');
    const queueDir = await tempDir();
    // Nothing listens on port 1: the broker is away for the whole life of the first process.
    const first = createPublisher(
      {
        mqttUrl: 'mqtt://127.0.0.1:1',
        site,
        source: 'serial',
        batchSize: 10,
        lingerMs: 5,
        queueDir,
        closeTimeoutMs: 300,
      },
      { logger: quietLogger('publisher-outage-test') },
    );
    for (let i = 0; i < 95; i++) first.push('dock-1', read(i));
    const closed = await first.close();
    expect(closed).toMatchObject({ unpublishedMessages: 10, unpublishedReads: 95, keptOnDisk: 10 });

    const broker = await startOwnMosquitto();
    const received: ReadBatch[] = [];
    const subscriber = await connectAsync(broker.url, { clientId: uniqueName('bt-test-downstream') });
    onTestFinished(() => subscriber.endAsync(true));
    subscriber.on('message', (_topic, payload) => {
      received.push(parseWith(ReadBatch, 'ReadBatch', JSON.parse(payload.toString('utf8'))));
    });
    await subscriber.subscribeAsync(`bondtrack/v1/${site}/readers/+/reads`, { qos: 1 });
    const second = createPublisher(
      { mqttUrl: broker.url, site, source: 'serial', queueDir, reconnectPeriodMs: 100 },
      { logger: quietLogger('publisher-outage-test') },
    );
    onTestFinished(async () => {
      await second.close();
    });
    expect(second.stats().diskQueue).toMatchObject({ recovered: 10 });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(10);
    expect(received.map((b) => b.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(received.every((b) => b.batchId.startsWith(`dock-1:${first.bootId}:`))).toBe(true);
    expect(received.flatMap((b) => b.reads)).toEqual(Array.from({ length: 95 }, (_, i) => read(i)));
    await expect.poll(() => second.stats().diskQueue?.messages, { timeout: 10_000 }).toBe(0);
  }, 30_000);
});

describe('publisher health heartbeat', () => {
  it('republishes reader status with per-antenna read rates; a silent antenna shows 0', async () => {
    const broker = await startOwnMosquitto();
    const site = uniqueName('site');
    const statuses: ReaderStatus[] = [];
    const subscriber = await connectAsync(broker.url, { clientId: uniqueName('bt-test-health') });
    onTestFinished(() => subscriber.endAsync(true));
    subscriber.on('message', (_topic, payload) => {
      statuses.push(parseWith(ReaderStatus, 'ReaderStatus', JSON.parse(payload.toString('utf8'))));
    });
    await subscriber.subscribeAsync(`bondtrack/v1/${site}/readers/+/status`, { qos: 1 });
    const publisher = createPublisher(
      { mqttUrl: broker.url, site, source: 'serial', healthIntervalMs: 200 },
      { logger: quietLogger('publisher-health-test') },
    );
    onTestFinished(async () => {
      await publisher.close();
    });
    publisher.setReaderStatus('dock-1', 'online', 'port open');
    for (let i = 0; i < 40; i++) publisher.push('dock-1', { ...read(i), antenna: 1 + (i % 2), count: 1 });
    await expect
      .poll(() => statuses.find((s) => s.antennaReadsPerSec?.['2'] !== undefined)?.antennaReadsPerSec, {
        timeout: 10_000,
      })
      .toEqual({ '1': 100, '2': 100 }); // 20 reads each in 0.2 s
    const seen = statuses.length;
    for (let i = 0; i < 10; i++) publisher.push('dock-1', { ...read(i), antenna: 1, count: 2 });
    await expect
      .poll(
        () => statuses.slice(seen).find((s) => (s.antennaReadsPerSec?.['1'] ?? 0) > 0)?.antennaReadsPerSec,
        {
          timeout: 10_000,
        },
      )
      .toEqual({ '1': 100, '2': 0 });
    expect(statuses.every((s) => s.state === 'online' && s.detail === 'port open')).toBe(true);
  }, 30_000);
});
