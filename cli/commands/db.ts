import { Command, Option } from 'commander';
import { createPool } from '../../pipeline/sink/database.js';
import { migrateSchema, type MigrationReport } from '../../pipeline/sink/migrate.js';
import { grantRoles } from '../../pipeline/sink/roles.js';
import { DEFAULT_DATABASE_URL, loadConfig } from '../../runtime/config.js';
import { redactUrl } from '../../services/port-check.js';

interface MigrateFlags {
  databaseUrl?: string;
  database?: string;
  schema?: string;
  config?: string;
  json?: boolean;
}

export function dbCommand(): Command {
  const db = new Command('db').description(
    "Bondtrack's database: tables, hypertables and views in one schema.",
  );

  db.command('migrate')
    .summary('create or upgrade the tables in a schema')
    .description(
      'Apply the migrations the schema does not have yet, each in its own transaction, and record them in ' +
        'schema_migrations. Creates the schema if needed. Where TimescaleDB can be installed the time-series ' +
        'tables become hypertables; on plain PostgreSQL they stay plain tables with the same names. Safe to ' +
        'repeat, and to run from several processes at once (they take turns on an advisory lock).',
    )
    .option(
      '--database-url <url>',
      `PostgreSQL/TimescaleDB URL (env DATABASE_URL; default ${DEFAULT_DATABASE_URL})`,
    )
    .addOption(new Option('--database <url>', 'same as --database-url').hideHelp())
    .option('--schema <name>', 'schema that holds the tables (env DATABASE_SCHEMA; default bondtrack)')
    .option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: MigrateFlags) => {
      const config = await loadConfig({
        config: flags.config,
        databaseUrl: flags.databaseUrl ?? flags.database,
        databaseSchema: flags.schema,
      });
      const url = config.databaseUrl ?? DEFAULT_DATABASE_URL;
      const pool = createPool(url, { max: 1, applicationName: 'bondtrack db migrate' });
      let report: MigrationReport;
      try {
        report = await migrateSchema(pool, { schema: config.databaseSchema });
      } finally {
        await pool.end();
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const lines = report.applied.map(
        (m) => `applied ${String(m.version).padStart(4, '0')}_${m.name} (${m.durationMs} ms)`,
      );
      const storage = report.timescaledb ? 'TimescaleDB hypertables' : 'plain PostgreSQL tables';
      const state =
        report.applied.length === 0 ? 'already up to date' : `${report.applied.length} migration(s) applied`;
      lines.push(
        `schema ${report.schema} on ${redactUrl(url)}: ${state}, ${storage} (${report.durationMs} ms)`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  db.command('roles')
    .summary('create the writer and read-only Grafana roles and grant them their rights')
    .description(
      'Create (if missing) a writer role for the sink and a read-only role for Grafana, and grant them what ' +
        'they need in the schema: the writer may write every table and run upkeep; the Grafana role may only ' +
        'read the views and rollups the dashboards use. Run it as the owner of the schema, after `db migrate` ' +
        '(a migration that recreates views drops their grants). The roles are NOLOGIN: give them a login ' +
        'with ALTER ROLE … LOGIN PASSWORD, or grant them to login users.',
    )
    .option(
      '--database-url <url>',
      `PostgreSQL/TimescaleDB URL (env DATABASE_URL; default ${DEFAULT_DATABASE_URL})`,
    )
    .option('--schema <name>', 'schema that holds the tables (env DATABASE_SCHEMA; default bondtrack)')
    .option('--writer-role <name>', 'role the sink writes as', 'bondtrack_writer')
    .option('--grafana-role <name>', "role Grafana's data source connects as", 'bondtrack_grafana')
    .option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)')
    .action(
      async (flags: {
        databaseUrl?: string;
        schema?: string;
        writerRole: string;
        grafanaRole: string;
        config?: string;
      }) => {
        const config = await loadConfig({
          config: flags.config,
          databaseUrl: flags.databaseUrl,
          databaseSchema: flags.schema,
        });
        const url = config.databaseUrl ?? DEFAULT_DATABASE_URL;
        const pool = createPool(url, { max: 1, applicationName: 'bondtrack db roles' });
        try {
          const roles = await grantRoles(pool, {
            schema: config.databaseSchema,
            writerRole: flags.writerRole,
            grafanaRole: flags.grafanaRole,
          });
          process.stdout.write(
            `schema ${config.databaseSchema} on ${redactUrl(url)}: writer ${roles.writerRole}, read-only ${roles.grafanaRole}\n`,
          );
        } finally {
          await pool.end();
        }
      },
    );

  return db;
}
