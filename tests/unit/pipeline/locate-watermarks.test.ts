import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { LocateStage } from '../../../pipeline/locate/locate-stage.js';
import { SiteIndex } from '../../../pipeline/site/site-index.js';
import { ManualClock } from '../../../runtime/clock.js';
import { deterministicId } from '../../../runtime/ids.js';
import { createLogger } from '../../../runtime/logger.js';
import { kafkaTopics, SiteLayout, type Alert, type Observation } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, smallSite } from './fixtures.js';

const S = 1_000_000;
// MISSING after 120 s of event-time silence.
const site = new SiteIndex(
  SiteLayout.parse({
    ...smallSite.layout,
    customs: { dwellLimitsSec: {}, allowedZones: {}, missingAfterSec: 120 },
  }),
);
const topics = kafkaTopics('wm');

function observation(epc: string, atUs: number): Observation {
  return {
    v: 1,
    id: deterministicId('obs', 'R1', 1, epc, atUs),
    site: 'T1',
    epc,
    readerId: 'R1',
    antenna: 1,
    zone: 'A',
    firstSeenUs: atUs,
    lastSeenUs: atUs + 500_000,
    count: 2,
    meanRssiDbm: -55,
    maxRssiDbm: -54,
  };
}

function messages(list: Observation[], firstOffset = 0): KafkaMessage[] {
  return list.map((o, i) => ({
    key: Buffer.from(o.epc),
    value: Buffer.from(JSON.stringify(o)),
    offset: String(firstOffset + i),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
}

function stage(): LocateStage {
  // handleBatch only: the Kafka client is never connected (start() is not called).
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
  return new LocateStage(kafka, topics, 'g', site, new ManualClock(T0), createLogger('test'), {
    firstReadsOnly: false,
  });
}

function missing(out: ReturnType<LocateStage['handleBatch']>): Array<[string | undefined, number]> {
  return out
    .filter((r) => r.topic === topics.alerts)
    .map((r) => JSON.parse(r.value) as Alert)
    .filter((a) => a.kind === 'MISSING')
    .map((a) => [a.epc, a.atUs]);
}

/** Observations of one pallet every second from `fromS` to `toS` (event time). */
function flow(epc: string, fromS: number, toS: number): Observation[] {
  const out: Observation[] = [];
  for (let s = fromS; s <= toS; s++) out.push(observation(epc, T0 + s * S));
  return out;
}

describe('LocateStage event time across input partitions', () => {
  it('keeps a watermark per observations partition: a partition far ahead does not fire a lagging one’s timers', () => {
    const st = stage();
    // Partition 1 saw EPC2 at 0-2 s, then lags (its records are still to come).
    expect(missing(st.handleBatch(topics.observations, 1, messages(flow(EPC2, 0, 2))))).toEqual([]);
    // Partition 0 runs 10 minutes ahead: its own pallet goes on being read, nothing is missing there.
    expect(missing(st.handleBatch(topics.observations, 0, messages(flow(EPC1, 0, 600))))).toEqual([]);
    // Had locate one watermark (the newest time over all inputs), EPC2 would now be MISSING at
    // 122.5 s although partition 1's input has not got there. Its next records show it was read
    // all along: no MISSING at all.
    expect(missing(st.handleBatch(topics.observations, 1, messages(flow(EPC2, 3, 600), 3)))).toEqual([]);
  });

  it('fires a partition’s timers from its own input only, at the same event time whatever the interleaving', () => {
    const run = (order: Array<[number, Observation[], number]>) => {
      const st = stage();
      return order.flatMap(([p, list, offset]) =>
        missing(st.handleBatch(topics.observations, p, messages(list, offset))),
      );
    };
    // EPC2 (partition 1) falls silent after 5 s; partition 1's input goes on with EPC1 copies to 300 s.
    const p1a = flow(EPC2, 0, 5);
    const p1b = flow(EPC1, 6, 300);
    const p0 = flow(EPC1, 0, 300);
    const inOrder = run([
      [1, p1a, 0],
      [1, p1b, p1a.length],
      [0, p0, 0],
    ]);
    const skewed = run([
      [0, p0, 0],
      [1, p1a, 0],
      [1, p1b, p1a.length],
    ]);
    // MISSING 120 s after the last read (5.5 s), raised once, identically in both orders.
    expect(inOrder).toEqual([[EPC2, T0 + 125_500_000]]);
    expect(skewed).toEqual(inOrder);
  });

  it('skips duplicate (replayed) observations: a dedup replay after a crash changes nothing', () => {
    const st = stage();
    const list = flow(EPC1, 0, 2);
    const events = (out: ReturnType<LocateStage['handleBatch']>) =>
      out.filter((r) => r.topic === topics.events);
    expect(events(st.handleBatch(topics.observations, 0, messages(list))).length).toBe(1); // ARRIVED
    // The same observations again at new offsets (dedup re-emitting after a restart): no effect.
    const again = st.handleBatch(topics.observations, 0, messages(list, 3));
    expect(events(again)).toEqual([]);
    expect(missing(again)).toEqual([]);
  });
});
