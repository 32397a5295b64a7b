import { readFile } from 'node:fs/promises';
import { describe, expect, onTestFinished, test } from 'vitest';
import { checkDashboard, formatCheck, type PanelCheck } from '../../../dashboards/dashboard-check.js';
import { DASHBOARD_JSON_DIR, loadDashboardFiles } from '../../../dashboards/dashboard-file.js';
import { DASHBOARDS } from '../../../dashboards/index.js';
import { createPool } from '../../../pipeline/sink/database.js';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { grantRoles } from '../../../pipeline/sink/roles.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { seedDashboardData } from '../storage/dashboard-seed.js';
import { quietLogger, testPool, testSchema } from '../storage/storage-fixtures.js';
import { storagePaths } from '../storage/storage-paths.js';

const HOUR_MS = 3_600_000;

test('the JSON files are valid dashboards and match the dashboards generated from code', async () => {
  const files = await loadDashboardFiles();
  expect(files.map((f) => f.file)).toEqual(DASHBOARDS.map((d) => d.file).sort());
  for (const { file, dashboard } of DASHBOARDS) {
    // A stale file means someone edited the JSON or forgot `npx tsx dashboards/generate.ts`.
    const text = await readFile(new URL(file, DASHBOARD_JSON_DIR), 'utf8');
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(dashboard)));
  }
});

describe.each(storagePaths())('dashboards on $name', (path) => {
  test('every panel returns rows of its visualisation shape, as the read-only Grafana role', async () => {
    const admin = testPool(path.url(), path.poolSize);
    const schema = testSchema(admin);
    await migrate(admin, { schema });
    const seeded = await seedDashboardData(admin, schema);
    await admin.query(`SELECT ${quoteIdent(schema)}.refresh_rollups()`);
    const grafanaRole = uniqueName('grafana');
    onTestFinished(async () => {
      await admin.query(`DROP OWNED BY ${quoteIdent(grafanaRole)}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(grafanaRole)}`);
    });
    await grantRoles(admin, { schema, grafanaRole, writerRole: grafanaRole.replace('grafana', 'writer') });
    onTestFinished(async () => {
      const writer = quoteIdent(grafanaRole.replace('grafana', 'writer'));
      await admin.query(`DROP OWNED BY ${writer}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${writer}`);
    });

    const pool = createPool(path.url(), { schema, max: 1, logger: quietLogger() });
    onTestFinished(() => pool.end());
    const to = new Date();
    const from = new Date(to.getTime() - 6 * HOUR_MS);
    const checks: PanelCheck[] = [];
    for (const { dashboard } of await loadDashboardFiles()) {
      checks.push(...(await checkDashboard(pool, dashboard, { from, to, role: grafanaRole })));
    }
    expect(checks.filter((c) => !c.ok).map(formatCheck)).toEqual([]);
    expect(checks.length).toBe(DASHBOARDS.reduce((n, d) => n + d.dashboard.panels.length, 0));

    // Spot checks that the rows are the seeded story, not just any rows.
    const panel = (title: string) => checks.find((c) => c.panel === title)!;
    expect(panel('Pallets near the exit without release').rows).toBe(1);
    expect(panel('Unreleased exit log').rows).toBe(1);
    expect(panel('Shortages and overages').rows).toBe(2);
    expect(panel('Occupancy per zone').columns).toEqual(['time', 'metric', 'pallets']);
    expect(panel('Silent antennas').rows).toBeGreaterThan(20);
    expect(panel('Reader outages and lost batches').rows).toBe(2); // one READER_DOWN, one READER_GAP
    // Two series (sink on observations, dedup on reads), one point per sampled bucket.
    expect(panel('Consumer lag').columns).toEqual(['time', 'metric', 'lag']);
    expect(panel('Consumer lag').rows).toBeGreaterThanOrEqual(2);
    const peak = await pool.query<{ lag: string }>(
      `SELECT max(lag)::text AS lag FROM (SELECT at, sum(lag) AS lag FROM ${quoteIdent(schema)}.consumer_lag_log
       WHERE group_id = 'bondtrack.sink' GROUP BY at) s`,
    );
    expect(peak.rows[0]!.lag).toBe(String(Math.max(...seeded.consumerLag.map((l) => l.lag))));

    // The trace of the pallet that left without release: its three events and their evidence.
    const trace = (await loadDashboardFiles()).find((f) => f.file === 'pallet-trace.json')!.dashboard;
    const smuggled = await checkDashboard(pool, trace, {
      from,
      to,
      variables: { pallet: seeded.smuggled.sscc },
      role: grafanaRole,
    });
    expect(smuggled.find((c) => c.panel === 'Events')?.rows).toBe(3);
    expect(smuggled.find((c) => c.panel === 'Evidence behind each move')?.rows).toBe(3);
  });

  test('a panel on an empty database fails with the reason, and a bad macro is named', async () => {
    const admin = testPool(path.url(), path.poolSize);
    const schema = testSchema(admin);
    await migrate(admin, { schema });
    const pool = createPool(path.url(), { schema, max: 1, logger: quietLogger() });
    onTestFinished(() => pool.end());
    const overview = (await loadDashboardFiles()).find((f) => f.file === 'zone-overview.json');
    const to = new Date();
    const checks = await checkDashboard(pool, overview!.dashboard, {
      from: new Date(to.getTime() - HOUR_MS),
      to,
      variables: { site: 'nowhere' },
    });
    // Aggregates without GROUP BY (the readers stat) still return their one row of zeros.
    expect(checks.filter((c) => c.ok).map((c) => c.panel)).toEqual(['Readers up / down']);
    expect(new Set(checks.filter((c) => !c.ok).map((c) => c.problem))).toEqual(new Set(['returned no rows']));
    const bad = {
      ...overview!.dashboard,
      panels: [
        {
          ...overview!.dashboard.panels[0]!,
          targets: [{ ...overview!.dashboard.panels[0]!.targets[0]!, rawSql: 'SELECT $__nope(x)' }],
        },
      ],
    };
    const [result] = await checkDashboard(pool, bad, {
      from: new Date(to.getTime() - HOUR_MS),
      to,
      variables: { site: 'x' },
    });
    expect(result).toMatchObject({ ok: false, problem: 'unknown Grafana macro $__nope' });
  });
});

test('`bondtrack dashboards check` prints one line per panel and exits 0 on seeded data', async () => {
  const pool = testPool();
  const schema = testSchema(pool);
  await migrate(pool, { schema });
  await seedDashboardData(pool, schema);
  const cli = spawnBondtrack(
    ['dashboards', 'check', '--database-url', testServices().databaseUrl, '--schema', schema],
    { LOG_LEVEL: 'silent' },
  );
  expect(await cli.exited()).toBe(0);
  const lines = cli.stdout().trim().split('\n');
  const panels = DASHBOARDS.reduce((n, d) => n + d.dashboard.panels.length, 0);
  expect(lines.filter((l) => l.startsWith('ok    '))).toHaveLength(panels);
  expect(lines.at(-1)).toBe(`${panels} of ${panels} panels ok`);
});
