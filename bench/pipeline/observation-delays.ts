import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { unpackJson } from '../../pipeline/runtime/packed-records.js';
import type { EvidenceRecord } from './deciding-read.js';
import { newHistogram, percentilesOf, type Percentiles } from './latency.js';

export interface ObservationScan {
  /**
   * Read → observation produced: each record's CreateTime (stamped by dedup's producer) minus the
   * observation's `lastSeenUs`, the newest read it folds in (reader time = the load generator's
   * clock): dedup's window close and allowed lateness, plus everything upstream (broker queue,
   * bridge). The newest read, because that is the read a decision made from the record can rest on.
   */
  readToObservation: Percentiles;
  /** The records of the wanted (evidence) ids, by id: CreateTime and `lastSeenUs`. */
  recordsById: Map<string, EvidenceRecord[]>;
}

/**
 * One consume of the whole observations topic after the run: a histogram of every observation's delay,
 * and the records of the `wanted` ids only (the zone events' evidence), so memory is bounded by
 * events × evidence, not by observations.
 */
export async function scanObservations(
  kafka: Kafka,
  topic: string,
  endOffset: number,
  wanted: ReadonlySet<string>,
): Promise<ObservationScan> {
  const histogram = newHistogram();
  const recordsById = new Map<string, EvidenceRecord[]>();
  if (endOffset === 0) return { readToObservation: percentilesOf(histogram), recordsById };
  const consumer = kafka.consumer({
    groupId: `bench-obs-${randomBytes(4).toString('hex')}`,
    maxBytes: 64 << 20,
  });
  await consumer.connect();
  let records = 0;
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              records++;
              if (!message.value) continue;
              const producedMs = Number(message.timestamp);
              // Dedup packs its observations (pipeline/runtime/packed-records.ts).
              const packed = unpackJson(JSON.parse(message.value.toString('utf8'))) as Array<{
                id: string;
                lastSeenUs: number;
              }>;
              for (const { id, lastSeenUs } of packed) {
                histogram.recordValue(Math.max(1, Math.round(producedMs - lastSeenUs / 1000)));
                if (!wanted.has(id)) continue;
                const list = recordsById.get(id);
                if (list) list.push({ producedMs, lastSeenUs });
                else recordsById.set(id, [{ producedMs, lastSeenUs }]);
              }
            }
            if (records >= endOffset) resolve();
            await Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { readToObservation: percentilesOf(histogram), recordsById };
}
