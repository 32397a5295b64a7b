import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Kafka } from 'kafkajs';
import mqtt from 'mqtt';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent } from '../../pipeline/sink/sql-identifier.js';
import { newHistogram, percentilesOf, type Percentiles } from './latency.js';
import {
  machineCpuBetween,
  sampleMachineCpu,
  type MachineCpuSample,
  type MachineCpuUse,
} from './machine-cpu.js';
import { toError } from './to-error.js';

export interface RawTopicCount {
  /** Reads in the raw topic, over its distinct ReadBatches (a duplicate is counted once). */
  reads: number;
  batches: number;
  /** Batch ids found more than once. */
  duplicatedBatchIds: number;
  /** Reads per second of the consume itself, first fetch to last (group join excluded). */
  readsPerSec: number;
  /**
   * Publish (`sentAtUs`, the load generator's clock) → appended to the raw topic (the record's
   * CreateTime, stamped by the bridge's producer): the MQTT broker's queue plus the bridge.
   */
  publishToRawMs: Percentiles;
  /**
   * The whole machine over the same span (the consumer, the broker serving it, anything else), and
   * its CPU µs per read: what the ratio's denominator costs.
   */
  machine: MachineCpuUse & { coreUsPerRead: number };
}

/**
 * Baseline 1, and the loss/duplicate count: a plain kafkajs consumer (own group, from the
 * beginning, `eachBatch`) reads the whole raw topic and parses every record, as dedup must.
 */
export async function consumeRawTopic(
  kafka: Kafka,
  topic: string,
  endOffset: number,
): Promise<RawTopicCount> {
  const consumer = kafka.consumer({
    groupId: `bench-raw-${randomBytes(4).toString('hex')}`,
    maxBytes: 64 << 20,
  });
  await consumer.connect();
  const batchIds = new Set<string>();
  let reads = 0;
  let records = 0;
  let duplicated = 0;
  let firstMs = 0;
  let lastMs = 0;
  let machineAtFirst: MachineCpuSample | undefined;
  let machineAtLast: MachineCpuSample | undefined;
  const hop = newHistogram();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      if (endOffset === 0) {
        resolve();
        return;
      }
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (firstMs === 0) {
              firstMs = performance.now();
              machineAtFirst = sampleMachineCpu();
            }
            for (const message of batch.messages) {
              const value = JSON.parse(message.value!.toString('utf8')) as {
                batchId: string;
                sentAtUs: number;
                reads: unknown[];
              };
              if (batchIds.has(value.batchId)) duplicated++;
              else {
                batchIds.add(value.batchId);
                reads += value.reads.length;
                hop.recordValue(Math.max(1, Math.round(Number(message.timestamp) - value.sentAtUs / 1000)));
              }
              records++;
            }
            lastMs = performance.now();
            if (records >= endOffset) {
              machineAtLast = sampleMachineCpu();
              resolve();
            }
            await Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  const seconds = Math.max(lastMs - firstMs, 1) / 1000;
  const now = sampleMachineCpu();
  const machine = machineCpuBetween(machineAtFirst ?? now, machineAtLast ?? now);
  return {
    reads,
    batches: batchIds.size,
    duplicatedBatchIds: duplicated,
    readsPerSec: reads / seconds,
    publishToRawMs: percentilesOf(hop),
    machine: { ...machine, coreUsPerRead: reads > 0 ? (machine.busySec * 1e6) / reads : 0 },
  };
}

/**
 * Rows the COPY baseline copies at most: they are held in memory between the COPY out and the COPY
 * in, and a 5-minute run stores millions of observations. A rate needs no more.
 */
const COPY_BASELINE_MAX_ROWS = 200_000;

/**
 * Baseline 2: the observation rows the sink stored (at most 200 000), copied out and COPYed into a
 * scratch table of the same shape (`LIKE observations`, no indexes) in one COPY. Rows per second of
 * that COPY.
 */
export async function copyObservations(
  pool: pg.Pool,
  schema: string,
): Promise<{ rows: number; rowsPerSec: number }> {
  const client = await pool.connect();
  try {
    const source = `${quoteIdent(schema)}.observations`;
    const scratch = `${quoteIdent(schema)}.bench_copy_observations`;
    await client.query(`CREATE TABLE ${scratch} (LIKE ${source})`);
    const chunks: Buffer[] = [];
    await pipeline(
      client.query(copyTo(`COPY (SELECT * FROM ${source} LIMIT ${COPY_BASELINE_MAX_ROWS}) TO STDOUT`)),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      }),
    );
    const started = performance.now();
    const stream = client.query(copyFrom(`COPY ${scratch} FROM STDIN`));
    await pipeline(Readable.from(chunks), stream);
    const ms = performance.now() - started;
    const rows = Number(stream.rowCount);
    return { rows, rowsPerSec: rows / (Math.max(ms, 1) / 1000) };
  } finally {
    client.release();
  }
}

/**
 * Baseline 3: the same ReadBatch payloads published (QoS 1, the same cap in flight) to a scratch
 * topic and received by one QoS 1 subscriber. Reads per second, first publish to last delivery.
 */
export async function mqttRoundTrip(
  mqttUrl: string,
  payloads: Array<{ payload: Buffer; reads: number }>,
  messages: number,
  maxInFlight: number,
): Promise<{ messages: number; readsPerSec: number }> {
  if (payloads.length === 0 || messages === 0) return { messages: 0, readsPerSec: 0 };
  const topic = `bondtrack-bench/${randomBytes(4).toString('hex')}/reads`;
  const subscriber = await mqtt.connectAsync(mqttUrl, { clean: true });
  const publisher = await mqtt.connectAsync(mqttUrl, { clean: true });
  try {
    await subscriber.subscribeAsync(topic, { qos: 1 });
    let received = 0;
    const allReceived = new Promise<void>((resolve) => {
      subscriber.on('message', () => {
        if (++received === messages) resolve();
      });
    });
    let reads = 0;
    let inFlight = 0;
    let failure: Error | undefined;
    const waiters: Array<() => void> = [];
    const started = performance.now();
    for (let i = 0; i < messages; i++) {
      while (inFlight >= maxInFlight) await new Promise<void>((resolve) => waiters.push(resolve));
      const { payload, reads: n } = payloads[i % payloads.length]!;
      reads += n;
      inFlight++;
      void publisher
        .publishAsync(topic, payload, { qos: 1 })
        .catch((err: unknown) => (failure ??= toError(err)))
        .finally(() => {
          inFlight--;
          waiters.shift()?.();
        });
    }
    while (inFlight > 0) await new Promise<void>((resolve) => waiters.push(resolve));
    if (failure) throw failure;
    await allReceived;
    const seconds = (performance.now() - started) / 1000;
    return { messages, readsPerSec: reads / seconds };
  } finally {
    await Promise.all([subscriber.endAsync(), publisher.endAsync()]);
  }
}
