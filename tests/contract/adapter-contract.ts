import { connectAsync } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DeadLetter, ReadBatch, ReaderStatus, parseWith, type TagRead } from '../../schemas/index.js';
import { testServices, uniqueName } from '../helpers/services.js';

/**
 * The adapter contract (adapters/README.md), as a test suite any adapter runs against itself:
 * ours, or an integrator's. Give it a factory that starts the adapter for one reader and can make
 * that reader send reads and garbage; the suite watches MQTT like the bridge does.
 *
 *   describeAdapterContract('my-reader', async ({ site, mqttUrl }) => ({ … }));
 */
export interface AdapterUnderTest {
  readerId: string;
  /** ReadBatch.source the adapter writes. */
  source: string;
  /** TagRead fields the format carries (the rest is not on the wire and is not compared). */
  carries: Array<keyof TagRead>;
  /** Make the reader send these reads (over its real transport: pty, HTTP, MQTT…). */
  deliver(reads: TagRead[]): Promise<void>;
  /** Make the reader send one input that is not a read. */
  deliverGarbage(): Promise<void>;
  /** Stop the adapter (flushing). */
  stop(): Promise<unknown>;
}

export type AdapterFactory = (context: { site: string; mqttUrl: string }) => Promise<AdapterUnderTest>;

const T0 = Date.UTC(2026, 3, 2, 12, 0, 0) * 1000;
/** Distinct, realistic reads: SSCC-96 EPCs, antennas 1-4, RSSI to 0.01 dB, µs timestamps. */
export function contractReads(count: number, offset = 0): TagRead[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    return {
      epc: `3178E61C883950F59A${(0x100 + i).toString(16).toUpperCase().padStart(6, '0')}`,
      antenna: 1 + (i % 4),
      rssiDbm: -40 - (i % 30) - 0.25,
      seenAtUs: T0 + i * 1_000_250,
      count: 1 + (i % 3),
    };
  });
}

async function watch(mqttUrl: string, site: string) {
  const client = await connectAsync(mqttUrl, { clientId: uniqueName('bt-contract') });
  onTestFinished(() => client.endAsync());
  const batches: ReadBatch[] = [];
  const deadLetters: DeadLetter[] = [];
  const statuses: ReaderStatus[] = [];
  client.on('message', (topic, payload) => {
    const json: unknown = JSON.parse(payload.toString('utf8'));
    if (topic.endsWith('/reads')) batches.push(parseWith(ReadBatch, 'ReadBatch', json));
    else if (topic.endsWith('/dead-letters')) deadLetters.push(parseWith(DeadLetter, 'DeadLetter', json));
    else if (topic.endsWith('/status')) statuses.push(parseWith(ReaderStatus, 'ReaderStatus', json));
  });
  await client.subscribeAsync(`bondtrack/v1/${site}/readers/#`, { qos: 1 });
  const reads = () => [...new Map(batches.map((b) => [b.batchId, b])).values()].flatMap((b) => b.reads);
  return { batches, deadLetters, statuses, reads };
}

const pick = (read: TagRead, keys: Array<keyof TagRead>) =>
  Object.fromEntries(keys.filter((k) => read[k] !== undefined).map((k) => [k, read[k]]));

export function describeAdapterContract(name: string, factory: AdapterFactory): void {
  describe(`adapter contract: ${name}`, () => {
    async function setUp() {
      const site = uniqueName('site');
      const { mqttUrl } = testServices();
      const seen = await watch(mqttUrl, site);
      const adapter = await factory({ site, mqttUrl });
      onTestFinished(async () => {
        await adapter.stop();
      });
      return { site, seen, adapter };
    }

    it('normalises every read once into ReadBatches with stable, ordered batch ids', async () => {
      const { site, seen, adapter } = await setUp();
      const sent = contractReads(60);
      await adapter.deliver(sent);
      await expect.poll(() => seen.reads().length, { timeout: 15_000 }).toBe(sent.length);
      expect(seen.reads().map((r) => pick(r, adapter.carries))).toEqual(
        sent.map((r) => pick(r, adapter.carries)),
      );
      const batches = [...new Map(seen.batches.map((b) => [b.batchId, b])).values()];
      const bootId = batches[0]!.batchId.split(':')[1]!;
      batches.forEach((batch, i) => {
        expect(batch).toMatchObject({
          v: 1,
          site,
          readerId: adapter.readerId,
          source: adapter.source,
          seq: i,
        });
        expect(batch.batchId).toBe(`${adapter.readerId}:${bootId}:${i}`);
      });
    });

    it('refuses garbage with a stable BT_ code and a reason, and keeps reading', async () => {
      const { site, seen, adapter } = await setUp();
      await adapter.deliverGarbage();
      await adapter.deliver(contractReads(1, 500));
      await expect.poll(() => seen.deadLetters.length, { timeout: 15_000 }).toBe(1);
      const letter = seen.deadLetters[0]!;
      expect(letter.code).toMatch(/^BT_[A-Z0-9_]+$/);
      expect(letter.reason.length).toBeGreaterThan(5);
      expect(letter).toMatchObject({ site, readerId: adapter.readerId });
      expect(letter.stage).toMatch(/^adapter:/);
      await expect.poll(() => seen.reads().length, { timeout: 15_000 }).toBe(1);
    });

    it('reports the reader online, and on stop flushes every read and reports it offline', async () => {
      const { seen, adapter } = await setUp();
      const sent = contractReads(7, 900);
      await adapter.deliver(sent);
      await expect
        .poll(() => seen.statuses.some((s) => s.state === 'online'), { timeout: 15_000 })
        .toBe(true);
      await expect.poll(() => seen.reads().length, { timeout: 15_000 }).toBe(sent.length);
      await adapter.stop();
      await expect.poll(() => seen.statuses.at(-1)?.state, { timeout: 15_000 }).toBe('offline');
      expect(seen.statuses.every((s) => s.readerId === adapter.readerId)).toBe(true);
    });
  });
}
