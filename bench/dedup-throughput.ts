/**
 * Dedup throughput: raw ReadBatch records through `DedupStage.handleBatch` and on to the bytes the
 * producer gets (packed observations, `utf8Bytes` for the rest, as the stage runner does), in CPU µs
 * per read, next to a baseline measured in the same run on the same records: `JSON.parse` of each
 * record (what the raw-consume baseline of `bondtrack bench` does). Compare the ratio across
 * changes: wall clock is noisy on a shared machine, the ratio much less so. `fetch` is the records
 * per partition per call (a live fetch at 50k reads/s brings a few; a backlog up to hundreds).
 *
 *   node --import tsx bench/dedup-throughput.ts [seconds=30] [fetches=2,10,40] [rounds=3]
 *   node --cpu-prof --import tsx bench/dedup-throughput.ts   # profile (writes a .cpuprofile)
 *
 * The reads are those of the bench's synthetic site (`bondtrack bench` defaults: 50 readers, 50
 * pallets per zone, 20 moves/s, batches of 200 reads, 1,000 reads/s per reader: ~5 reads per
 * window), over the raw-reads topic's partitions (reader i on partition i mod n), with dedup's changelog on.
 */
import type { KafkaMessage } from 'kafkajs';
import { DedupStage } from '../pipeline/dedup/dedup-stage.js';
import { packRecords } from '../pipeline/runtime/packed-records.js';
import { utf8Bytes } from '../pipeline/runtime/utf8-bytes.js';
import { SiteIndex } from '../pipeline/site/site-index.js';
import { ManualClock } from '../runtime/clock.js';
import { createLogger } from '../runtime/logger.js';
import { PARTITIONS } from '../pipeline/runtime/topics.js';
import { kafkaTopics } from '../schemas/index.js';
import { SyntheticSite } from './pipeline/synthetic-site.js';

const T0 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z in µs
const READERS = 50;
const BATCHES_PER_SEC = 5; // 1,000 reads/s per reader in batches of 200

const [secondsArg = '30', fetchesArg = '2,10,40', roundsArg = '3'] = process.argv.slice(2);
const seconds = Number(secondsArg);
const fetches = fetchesArg.split(',').map(Number);
const rounds = Number(roundsArg);
const partitions = PARTITIONS.reads;

/** The raw records of `seconds` of load, per partition (reader i on partition i mod n), in time order. */
function rawRecords(site: SyntheticSite): KafkaMessage[][] {
  const out: KafkaMessage[][] = Array.from({ length: partitions }, () => []);
  for (let s = 0; s < seconds; s++) {
    site.movePallets(20);
    for (let b = 0; b < BATCHES_PER_SEC; b++) {
      const nowUs = T0 + s * 1_000_000 + (b + 1) * (1_000_000 / BATCHES_PER_SEC);
      for (let r = 0; r < READERS; r++) {
        const list = out[r % partitions]!;
        const value = Buffer.from(JSON.stringify(site.batch(r, 200, nowUs, 1_000_000 / BATCHES_PER_SEC)));
        list.push({
          key: null,
          value,
          offset: String(list.length),
          timestamp: String(nowUs / 1000),
          attributes: 0,
          headers: {},
        });
      }
    }
  }
  return out;
}

function cpuUs(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

const site = new SyntheticSite('BENCH', READERS, 50);
const records = rawRecords(site);
const reads = records.reduce((n, p) => n + p.length, 0) * 200;
const topics = kafkaTopics('bench');
const log = createLogger('dedup-throughput');
log.level = 'warn';

function dedupRun(fetch: number): number {
  const clock = new ManualClock(T0);
  const stage = new DedupStage(topics, 'bench', new SiteIndex(site.layout), clock, {
    log,
    stateTopic: 'bench.dedup-state.v1',
  });
  let bytes = 0;
  return cpuUs(() => {
    for (let from = 0; records.some((p) => p.length > from); from += fetch) {
      const out = [];
      for (let p = 0; p < partitions; p++) {
        const batch = records[p]!.slice(from, from + fetch);
        if (batch.length === 0) continue;
        // Processing time follows the input, as it would live (idle flushes stay off).
        const lastMs = Number(batch[batch.length - 1]!.timestamp);
        if (lastMs * 1000 > clock.nowUs()) clock.set(lastMs * 1000);
        out.push(...stage.handleBatch(topics.reads, p, batch));
      }
      const packed = out.filter((r) => r.topic === topics.observations);
      for (const r of packRecords(packed, PARTITIONS.observations)) bytes += r.value.length;
      for (const r of out)
        if (r.topic !== topics.observations && !r.tombstone) bytes += utf8Bytes(r.value).length;
    }
    if (bytes === 0) throw new Error('dedup produced nothing');
  });
}

function baselineRun(): number {
  let n = 0;
  const us = cpuUs(() => {
    for (const p of records)
      for (const m of p) n += (JSON.parse(m.value!.toString('utf8')) as { reads: unknown[] }).reads.length;
  });
  if (n !== reads) throw new Error(`baseline counted ${n} reads of ${reads}`);
  return us;
}

process.stdout.write(
  `dedup throughput: ${reads.toLocaleString('en-US')} reads (${seconds} s of ${READERS} readers × 1,000 reads/s), ${partitions} partitions\n`,
);
for (let round = 0; round < rounds; round++) {
  const base = baselineRun() / reads;
  const cells = fetches.map((fetch) => {
    const us = dedupRun(fetch) / reads;
    return `fetch ${fetch}: ${us.toFixed(2)} µs/read (${(base / us).toFixed(3)} of baseline)`;
  });
  process.stdout.write(
    `round ${round + 1}: baseline JSON.parse ${base.toFixed(2)} µs/read | ${cells.join(' | ')}\n`,
  );
}
