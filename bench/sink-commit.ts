/**
 * Sink commit benchmark: how long a small batch of zone events takes to become visible (writeBatch
 * called → returned, COMMIT included) while other connections write observations at the sink's
 * 50k-reads/s rate, with synchronous commits against asynchronous ones (the sink's default,
 * pipeline/sink/durable-offsets.ts), in the same run.
 *
 *   npx tsx bench/sink-commit.ts [--seconds 20] [--rounds 2] [--rows-per-sec 10000] [--batch 500]
 *
 * Each round runs a synchronous and an asynchronous phase (which goes first alternates), each phase
 * `--seconds` long: three writers store observation batches of `--batch` rows at `--rows-per-sec`
 * in all (the WAL volume behind the checkpoints and flushes), and one writes 5 zone events every
 * 50 ms and times each write. Figures are over all rounds: p50/p99/max per mode and async ÷ sync.
 * DATABASE_URL picks the server (default the test PostgreSQL); a scratch schema is created and
 * dropped. Not on embedded PGlite (single-user: no WAL writer to flush asynchronous commits).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { createPool } from '../pipeline/sink/database.js';
import { migrateSchema } from '../pipeline/sink/migrate.js';
import { quoteIdent } from '../pipeline/sink/sql-identifier.js';
import { writeBatch } from '../pipeline/sink/writer.js';
import { DEFAULT_DATABASE_URL } from '../runtime/config.js';
import { deterministicId } from '../runtime/ids.js';
import { createLogger } from '../runtime/logger.js';
import type { Observation, ZoneEvent } from '../schemas/index.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
    'rows-per-sec': { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
  },
});
const phaseMs = Number(args.seconds) * 1000;
const rounds = Number(args.rounds);
const rowsPerSec = Number(args['rows-per-sec']);
const batchSize = Number(args.batch);
const WRITERS = 3;
const EVENT_EVERY_MS = 50;

type Mode = 'synchronous' | 'asynchronous';
let serial = 0;
const nowUs = () => Date.now() * 1000;

function observations(n: number): Observation[] {
  const t = nowUs();
  return Array.from({ length: n }, (_, i) => {
    const k = serial++;
    return {
      v: 1,
      id: deterministicId('bench-commit', k),
      site: 'bench-site',
      // 2 500 pallets: the EPC index is written all over, as the sink's is.
      epc: `3178E61C8839${(k % 2500).toString(16).toUpperCase().padStart(4, '0')}F59A000000`.slice(0, 24),
      readerId: `RD-${k % 50}`,
      antenna: 1 + (k % 4),
      zone: `Z-${k % 50}`,
      firstSeenUs: t + i,
      lastSeenUs: t + i + 750_000,
      count: 5,
      maxRssiDbm: -50 - (k % 20),
      meanRssiDbm: -55.5 - (k % 20),
    };
  });
}

function events(n: number): ZoneEvent[] {
  const t = nowUs();
  return Array.from({ length: n }, (_, i) => {
    const k = serial++;
    const epc = `3178E61C8839${(k % 2500).toString(16).toUpperCase().padStart(4, '0')}F59A000000`.slice(
      0,
      24,
    );
    return {
      v: 1,
      id: deterministicId('bench-commit-event', k),
      site: 'bench-site',
      epc,
      kind: 'MOVED',
      fromZone: 'Z-1',
      toZone: 'Z-2',
      atUs: t + i,
      confidence: 0.9,
      evidence: [deterministicId('evidence', k)],
    };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const logger = createLogger('bondtrack.bench');
logger.level = 'warn';
const url = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
const pool = createPool(url, { max: WRITERS + 1, logger, applicationName: 'bondtrack bench sink-commit' });
const schema = `bench_${randomBytes(4).toString('hex')}`;

async function phase(mode: Mode, eventsHist: hdr.Histogram, rowsHist: hdr.Histogram): Promise<number> {
  const asynchronousCommit = mode === 'asynchronous';
  const end = Date.now() + phaseMs;
  let rows = 0;
  const batchEveryMs = (1000 * batchSize * WRITERS) / rowsPerSec;
  const writer = async (offset: number) => {
    let next = Date.now() + offset;
    while (Date.now() < end) {
      await sleep(next - Date.now());
      next += batchEveryMs;
      const started = performance.now();
      await writeBatch(pool, schema, { observations: observations(batchSize) }, { asynchronousCommit });
      rowsHist.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
      rows += batchSize;
    }
  };
  const eventWriter = async () => {
    let next = Date.now();
    while (Date.now() < end) {
      await sleep(next - Date.now());
      next += EVENT_EVERY_MS;
      const started = performance.now();
      await writeBatch(pool, schema, { zoneEvents: events(5) }, { asynchronousCommit });
      eventsHist.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
    }
  };
  await Promise.all([
    ...Array.from({ length: WRITERS }, (_, w) => writer((w * batchEveryMs) / WRITERS)),
    eventWriter(),
  ]);
  return rows / (phaseMs / 1000);
}

const ms = (us: number) => (us / 1000).toFixed(1).padStart(8);

try {
  await migrateSchema(pool, { schema });
  const hist = () =>
    hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000_000,
      numberOfSignificantValueDigits: 3,
    });
  const figures = {
    synchronous: { events: hist(), rows: hist(), rowsPerSec: [] as number[] },
    asynchronous: { events: hist(), rows: hist(), rowsPerSec: [] as number[] },
  };
  for (let round = 0; round < rounds; round++) {
    const order: Mode[] = round % 2 === 0 ? ['synchronous', 'asynchronous'] : ['asynchronous', 'synchronous'];
    for (const mode of order) {
      const f = figures[mode];
      f.rowsPerSec.push(await phase(mode, f.events, f.rows));
    }
  }
  const line = (mode: Mode) => {
    const f = figures[mode];
    const e = f.events;
    const r = f.rows;
    const rate = f.rowsPerSec.reduce((a, b) => a + b, 0) / f.rowsPerSec.length;
    return `${mode.padEnd(13)} ${ms(e.getValueAtPercentile(50))} ${ms(e.getValueAtPercentile(99))} ${ms(e.maxValue)}   ${ms(r.getValueAtPercentile(50))} ${ms(r.getValueAtPercentile(99))}   ${Math.round(rate).toLocaleString('en-US').padStart(8)}`;
  };
  const s = figures.synchronous.events;
  const a = figures.asynchronous.events;
  process.stdout.write(
    [
      `sink commit benchmark: ${rounds} round(s) of ${phaseMs / 1000} s per mode; ${WRITERS} writers × observation batches of ${batchSize} at ${rowsPerSec} rows/s in all; 5 zone events every ${EVENT_EVERY_MS} ms`,
      `mode          events→visible ms p50/p99/max   obs batch ms p50/p99   obs rows/s`,
      line('synchronous'),
      line('asynchronous'),
      `async ÷ sync  event p50 ${(a.getValueAtPercentile(50) / s.getValueAtPercentile(50)).toFixed(2)}, p99 ${(a.getValueAtPercentile(99) / s.getValueAtPercentile(99)).toFixed(2)}`,
      '',
    ].join('\n'),
  );
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await pool.end();
}
