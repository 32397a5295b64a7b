/**
 * Sink benchmark (issue 6): rows per second of the sink's writer (unnest + ON CONFLICT DO NOTHING,
 * one transaction per batch, as the sink stage writes) against a raw COPY of the same rows into the
 * same table, in the same run. The goal is a ratio of at least 0.7.
 *
 *   npx tsx bench/sink.ts [--rows 200000] [--batch 5000] [--rounds 3]
 *
 * DATABASE_URL picks the server (default the test PostgreSQL). Not on embedded PGlite: COPY FROM
 * STDIN through its wire server aborts the WASM backend ("unreachable"), so there is no raw baseline
 * there. Each round runs COPY and the writer on a freshly truncated table, alternating
 * which goes first, and the figures are the medians over the rounds. A scratch schema is created and
 * dropped.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import { createPool } from '../pipeline/sink/database.js';
import { migrateSchema } from '../pipeline/sink/migrate.js';
import { quoteIdent } from '../pipeline/sink/sql-identifier.js';
import { writeBatch } from '../pipeline/sink/writer.js';
import { DEFAULT_DATABASE_URL } from '../runtime/config.js';
import { deterministicId } from '../runtime/ids.js';
import { createLogger } from '../runtime/logger.js';
import type { Observation } from '../schemas/index.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
  },
});
const rowCount = Number(args.rows);
const batchSize = Number(args.batch);
const rounds = Number(args.rounds);

// Today's first minutes (UTC): the rows land in today's partition on plain PostgreSQL and in the
// current chunk on TimescaleDB, where live data goes, not in a default partition.
const T0_US = Math.floor(Date.now() / 86_400_000) * 86_400_000 * 1000;
function observations(n: number): Observation[] {
  return Array.from({ length: n }, (_, i) => {
    const firstSeenUs = T0_US + i * 1_000;
    return {
      v: 1,
      id: deterministicId('bench', i),
      site: 'bench-site',
      epc: `3178E61C8839${(i % 5000).toString(16).toUpperCase().padStart(4, '0')}F59A000000`.slice(0, 24),
      readerId: `RD-${i % 8}`,
      antenna: 1 + (i % 4),
      zone: `Z-${i % 8}`,
      firstSeenUs,
      lastSeenUs: firstSeenUs + 750_000,
      count: 1 + (i % 7),
      maxRssiDbm: -50 - (i % 20),
      meanRssiDbm: -55.5 - (i % 20),
    };
  });
}

/** µs since the epoch → timestamptz text with all six fractional digits (exact, unlike a double). */
function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
}

function copyLine(o: Observation): string {
  const f = [
    o.id,
    o.site,
    o.epc,
    o.readerId,
    o.antenna,
    o.zone ?? '\\N',
    isoMicros(o.firstSeenUs),
    isoMicros(o.lastSeenUs),
    o.firstSeenUs,
    o.lastSeenUs,
    o.count,
    o.maxRssiDbm ?? '\\N',
    o.meanRssiDbm ?? '\\N',
  ];
  return `${f.join('\t')}\n`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const logger = createLogger('bondtrack.bench');
logger.level = 'warn';
const url = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
const pool = createPool(url, { max: 1, logger, applicationName: 'bondtrack bench sink' });
const schema = `bench_${randomBytes(4).toString('hex')}`;
const table = `${quoteIdent(schema)}.observations`;
const columns =
  'id, site, epc, reader_id, antenna, zone, first_seen, last_seen, first_seen_us, last_seen_us, count, max_rssi_dbm, mean_rssi_dbm';

try {
  const report = await migrateSchema(pool, { schema });
  const rows = observations(rowCount);
  const batches: Observation[][] = [];
  for (let i = 0; i < rows.length; i += batchSize) batches.push(rows.slice(i, i + batchSize));

  const runCopy = async (): Promise<number> => {
    const client = await pool.connect();
    try {
      const started = performance.now();
      for (const batch of batches) {
        const stream = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
        await pipeline(Readable.from(batch.map(copyLine)), stream);
      }
      return performance.now() - started;
    } finally {
      client.release();
    }
  };
  const runWriter = async (): Promise<number> => {
    const started = performance.now();
    for (const batch of batches) await writeBatch(pool, schema, { observations: batch });
    return performance.now() - started;
  };
  const count = async (): Promise<number> =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

  const copyMs: number[] = [];
  const writerMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['copy', 'writer'] as const) : (['writer', 'copy'] as const);
    for (const which of order) {
      await pool.query(`TRUNCATE ${table}`);
      const ms = which === 'copy' ? await runCopy() : await runWriter();
      if ((await count()) !== rowCount)
        throw new Error(`${which} stored ${await count()} rows, not ${rowCount}`);
      (which === 'copy' ? copyMs : writerMs).push(ms);
    }
  }
  const copyRate = rowCount / (median(copyMs) / 1000);
  const writerRate = rowCount / (median(writerMs) / 1000);
  const path = report.timescaledb ? 'TimescaleDB hypertable' : 'plain PostgreSQL, range-partitioned table';
  process.stdout.write(
    [
      `sink benchmark: ${rowCount} observations in batches of ${batchSize}, median of ${rounds} rounds, ${path}`,
      `raw COPY        ${Math.round(copyRate).toLocaleString('en-US').padStart(10)} rows/s`,
      `sink writer     ${Math.round(writerRate).toLocaleString('en-US').padStart(10)} rows/s`,
      `ratio writer/COPY ${(writerRate / copyRate).toFixed(2)} (goal >= 0.70)`,
      '',
    ].join('\n'),
  );
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await pool.end();
}
