import { Command, Option } from 'commander';
import { checkDashboard, formatCheck, type PanelCheck } from '../../dashboards/dashboard-check.js';
import { loadDashboardFiles } from '../../dashboards/dashboard-file.js';
import { createPool } from '../../pipeline/sink/database.js';
import { DEFAULT_DATABASE_URL, loadConfig } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';

interface CheckFlags {
  databaseUrl?: string;
  database?: string;
  schema?: string;
  config?: string;
  last: string;
  var: string[];
  role?: string;
  refresh: boolean;
  json?: boolean;
}

const DURATION_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function parseLast(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text);
  if (!match) throw new ConfigError(`--last must look like 30m, 6h or 7d, got ${JSON.stringify(text)}`);
  return Number(match[1]) * DURATION_MS[match[2] as keyof typeof DURATION_MS];
}

function collectVar(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function dashboardsCommand(): Command {
  const dashboards = new Command('dashboards').description(
    'Grafana dashboards (dashboards/json, provisioning in dashboards/provisioning).',
  );

  dashboards
    .command('check')
    .summary("run every panel's query against a database and check its result shape")
    .description(
      'Validate the dashboard JSON, resolve template variables (their first value unless --var gives one), ' +
        'expand Grafana macros ($__timeFilter, $__timeGroupAlias, $__timeGroup, $__interval, …) for the ' +
        'time range, run every panel query in a read-only transaction and check it returns rows of the ' +
        'shape its visualisation needs. Prints one line per panel; exit code 1 if any panel fails.',
    )
    .option(
      '--database-url <url>',
      `PostgreSQL/TimescaleDB URL (env DATABASE_URL; default ${DEFAULT_DATABASE_URL})`,
    )
    .addOption(new Option('--database <url>', 'same as --database-url'))
    .option('--schema <name>', 'schema of the tables and views (env DATABASE_SCHEMA; default bondtrack)')
    .option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)')
    .option('--last <duration>', 'time range ending now: 30m, 6h, 7d', '6h')
    .option(
      '--var <name=value>',
      'a template variable value (repeatable), e.g. --var site=waigaoqiao-1',
      collectVar,
      [],
    )
    .option('--role <name>', 'run the queries as this role (e.g. the Grafana role) to check it sees enough')
    .option(
      '--no-refresh',
      'do not call refresh_rollups() first (plain PostgreSQL rollups are refreshed by it)',
    )
    .option('--json', 'print the results as JSON')
    .action(async (flags: CheckFlags) => {
      const config = await loadConfig({
        config: flags.config,
        databaseUrl: flags.databaseUrl ?? flags.database,
        databaseSchema: flags.schema,
      });
      const variables: Record<string, string> = {};
      for (const pair of flags.var) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new ConfigError(`--var must be name=value, got ${JSON.stringify(pair)}`);
        variables[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const to = new Date();
      const from = new Date(to.getTime() - parseLast(flags.last));
      const files = await loadDashboardFiles();
      const pool = createPool(config.databaseUrl ?? DEFAULT_DATABASE_URL, {
        max: 1,
        schema: config.databaseSchema,
        applicationName: 'bondtrack dashboards check',
      });
      const results: PanelCheck[] = [];
      try {
        if (flags.refresh) await pool.query('SELECT refresh_rollups()');
        for (const { dashboard } of files) {
          results.push(
            ...(await checkDashboard(pool, dashboard, {
              from,
              to,
              variables,
              ...(flags.role === undefined ? {} : { role: flags.role }),
            })),
          );
        }
      } finally {
        await pool.end();
      }
      const failed = results.filter((r) => !r.ok).length;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      } else {
        process.stdout.write(results.map(formatCheck).join('\n') + '\n');
        process.stdout.write(`${results.length - failed} of ${results.length} panels ok\n`);
      }
      if (failed > 0) process.exitCode = 1;
    });

  return dashboards;
}
