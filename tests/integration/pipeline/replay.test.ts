import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect, onTestFinished, test } from 'vitest';
import { readPartitionsToEnd } from '../../../pipeline/runtime/changelog.js';
import { recordSentAtUs } from '../../../pipeline/runtime/replay.js';
import { DEMO_SITE_FILE } from '../../../runtime/site-file.js';
import { kafkaTopics } from '../../../schemas/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { feedRaw, recordReads, testKafka } from './eos-harness.js';

test(
  'bondtrack replay rebuilds the tracks from the raw-reads topic with a changed site layout',
  { timeout: 150_000 },
  async () => {
    const { kafkaBrokers, databaseUrl } = testServices();
    const kafka = testKafka(kafkaBrokers);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const source = uniqueName('replay_src');
    const target = uniqueName('replay_dst');
    const schema = uniqueName('replay');
    const dir = await mkdtemp(join(tmpdir(), 'bt-replay-'));
    onTestFinished(async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
      await rm(dir, { recursive: true, force: true });
      const admin = kafka.admin();
      await admin.connect();
      const all = (await admin.listTopics()).filter((t) => t.startsWith(`${target}.`));
      await admin.deleteTopics({ topics: all }).catch(() => undefined);
      await admin.disconnect();
    });

    // The site as re-surveyed: the third storage zone is now called WH1-STOR-D.
    const siteFile = join(dir, 'site.yaml');
    await writeFile(
      siteFile,
      (await readFile(DEMO_SITE_FILE, 'utf8')).replaceAll('WH1-STOR-C', 'WH1-STOR-D'),
    );
    await feedRaw(kafka, source, await recordReads(11, 60), 6);

    const replay = spawnBondtrack([
      'replay',
      '--from-prefix',
      source,
      '--topic-prefix',
      target,
      '--schema',
      schema,
      '--site',
      siteFile,
      '--kafka-brokers',
      kafkaBrokers.join(','),
      '--database-url',
      databaseUrl,
      '--quiet-seconds',
      '8',
    ]);
    expect(await replay.exited(), replay.stderr().slice(-3000)).toBe(0);
    const summary = JSON.parse(replay.stdout().trim().split('\n').at(-1)!) as {
      reads: number;
      observations: number;
      events: number;
    };
    expect(summary.reads).toBeGreaterThan(1000);
    expect(summary.observations).toBeGreaterThan(0);

    // The copy: one partition holding every source record once, merged by send time, each source
    // partition's (each reader's) order kept.
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [kafkaTopics(target).reads] });
    await admin.disconnect();
    expect(meta.topics[0]!.partitions).toHaveLength(1);
    const sourceRecords = await readPartitionsToEnd(kafka, kafkaTopics(source).reads, [0, 1, 2, 3, 4, 5]);
    const copy = (await readPartitionsToEnd(kafka, kafkaTopics(target).reads, [0])).get(0)!;
    const id = (r: { key: string; value: Buffer | null }) => `${r.key}|${r.value!.toString('utf8')}`;
    const partitionOf = new Map<string, number>();
    for (const [p, records] of sourceRecords) for (const r of records) partitionOf.set(id(r), p);
    expect([...sourceRecords.values()].filter((r) => r.length > 0).length).toBeGreaterThan(1);
    expect(copy).toHaveLength(summary.reads);
    const total = [...sourceRecords.values()].reduce((n, r) => n + r.length, 0);
    expect(copy.length).toBe(total);
    expect(partitionOf.size).toBe(total);
    for (const [p, records] of sourceRecords)
      expect(copy.filter((r) => partitionOf.get(id(r)) === p).map(id)).toEqual(records.map(id));
    const sent = copy.map((r) => recordSentAtUs(r.value)!);
    expect(sent.every((t, i) => Number.isFinite(t) && (i === 0 || t >= sent[i - 1]!))).toBe(true);

    const zones = await pool.query<{ to_zone: string; n: string }>(
      `SELECT to_zone, count(*) AS n FROM "${schema}".zone_events WHERE to_zone IS NOT NULL GROUP BY to_zone`,
    );
    const byZone = new Map(zones.rows.map((r) => [r.to_zone, Number(r.n)]));
    expect(byZone.get('WH1-STOR-D') ?? 0).toBeGreaterThan(0);
    expect(byZone.has('WH1-STOR-C')).toBe(false);
    const stored = [...byZone.values()].reduce((a, b) => a + b, 0);
    expect(stored).toBeGreaterThan(50);
    expect(summary.events).toBeGreaterThanOrEqual(stored);
    // The layout the tracks were rebuilt with is stored too.
    const layout = await pool.query(`SELECT 1 FROM "${schema}".site_zones WHERE zone = 'WH1-STOR-D'`);
    expect(layout.rowCount).toBe(1);
  },
);
