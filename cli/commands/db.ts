import { Command, Option } from 'commander';
import { createPool } from '../../pipeline/sink/database.js';
import { migrateSchema, type MigrationReport } from '../../pipeline/sink/migrate.js';
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

  return db;
}
