/**
 * Locate throughput: observations through `LocateStage.handleBatch` per CPU second, next to a
 * baseline measured in the same run on the same records — `JSON.parse` of each record value. The
 * ratio (locate / baseline) is what to compare across changes: wall clock is noisy on a shared
 * machine, the ratio much less so.
 *
 *   node --import tsx bench/locate-throughput.ts [seconds=60] [readers=50] [rounds=3]
 *   node --cpu-prof --import tsx bench/locate-throughput.ts   # profile (writes a .cpuprofile)
 *
 * The observations are those of the bench's synthetic site (`bondtrack bench` defaults: 50 pallets
 * per zone, 20 moves/s, batches of 200 reads, 1,000 reads/s per reader) folded by a DedupOperator on
 * a manual clock, keyed by EPC into 6 partitions, and fed to locate with its changelog on (its
 * entries are encoded as in a real run; nothing is produced).
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { DedupOperator, type ReaderWindows } from '../pipeline/dedup/dedup-operator.js';
import { LocateStage } from '../pipeline/locate/locate-stage.js';
import { SiteIndex } from '../pipeline/site/site-index.js';
import { ManualClock } from '../runtime/clock.js';
import { createLogger } from '../runtime/logger.js';
import { MemoryStateStore } from '../runtime/state-store.js';
import { kafkaTopics } from '../schemas/index.js';
import { SyntheticSite } from './pipeline/synthetic-site.js';

const PARTITIONS = 6;
const FETCH = 500; // messages per partition per handleBatch, about what a fetch brings at this rate
const T0 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z in µs

function partitionOf(epc: string): number {
  let h = 0;
  for (let i = 0; i < epc.length; i++) h = (h * 31 + epc.charCodeAt(i)) | 0;
  return Math.abs(h) % PARTITIONS;
}

/** The observations of `seconds` of the synthetic site's load, per partition, as record values. */
function observations(seconds: number, readers: number): { site: SyntheticSite; values: Buffer[][] } {
  const site = new SyntheticSite('BENCH', readers, 50);
  const clock = new ManualClock(T0);
  const dedup = new DedupOperator(new SiteIndex(site.layout), clock, new MemoryStateStore<ReaderWindows>());
  const values: Buffer[][] = Array.from({ length: PARTITIONS }, () => []);
  const offsets = new Array<number>(readers).fill(0);
  const batchesPerSec = 5; // 1,000 reads/s per reader in batches of 200
  for (let s = 0; s < seconds; s++) {
    site.movePallets(20);
    for (let b = 0; b < batchesPerSec; b++) {
      const nowUs = T0 + s * 1_000_000 + (b + 1) * (1_000_000 / batchesPerSec);
      clock.set(nowUs);
      for (let r = 0; r < readers; r++) {
        const batch = site.batch(r, 200, nowUs, 1_000_000 / batchesPerSec);
        const offset = offsets[r]!;
        offsets[r] = offset + 1;
        for (const obs of dedup.ingest(batch, { partition: r % PARTITIONS, offset }))
          values[partitionOf(obs.epc)]!.push(Buffer.from(JSON.stringify(obs)));
      }
    }
  }
  return { site, values };
}

function cpuSeconds(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function main(): void {
  const [seconds = 60, readers = 50, rounds = 3] = process.argv.slice(2).map(Number);
  const { site, values } = observations(seconds, readers);
  const total = values.reduce((n, p) => n + p.length, 0);
  const topics = kafkaTopics('bench');
  const log = createLogger('locate-throughput');
  let best = { locate: 0, baseline: 0 };
  let events = 0;
  for (let round = 0; round < rounds; round++) {
    const stage = new LocateStage(
      undefined as unknown as Kafka, // start() is never called: no customs consumer
      topics,
      'bench',
      new SiteIndex(site.layout),
      new ManualClock(T0),
      log,
      { stateTopic: 'bench.locate-state.v1' },
    );
    const messages = values.map((p) =>
      p.map((value, i): KafkaMessage => ({
        key: null,
        value,
        offset: String(i),
        timestamp: '0',
        attributes: 0,
        headers: {},
      })),
    );
    let sink = 0;
    const baseline = cpuSeconds(() => {
      for (const p of values)
        for (const v of p) sink += (JSON.parse(v.toString('utf8')) as { count: number }).count;
    });
    events = 0;
    const locate = cpuSeconds(() => {
      const cursor = new Array<number>(PARTITIONS).fill(0);
      for (let left = total; left > 0;) {
        for (let p = 0; p < PARTITIONS; p++) {
          const batch = messages[p]!.slice(cursor[p], cursor[p]! + FETCH);
          cursor[p]! += batch.length;
          left -= batch.length;
          for (const out of stage.handleBatch('observations', p, batch))
            if (out.topic === topics.events) events++;
        }
      }
    });
    if (sink < 0) console.log(sink); // keep the baseline's work observable
    const rate = { locate: total / locate, baseline: total / baseline };
    if (rate.locate > best.locate) best = rate;
  }
  console.log(
    JSON.stringify({
      observations: total,
      zoneEvents: events,
      locateObsPerCpuSec: Math.round(best.locate),
      jsonParseObsPerCpuSec: Math.round(best.baseline),
      ratio: Number((best.locate / best.baseline).toFixed(4)),
    }),
  );
}

main();
