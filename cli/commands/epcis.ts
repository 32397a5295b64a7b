import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { exportEpcis, startEpcisServer } from '../../pipeline/epcis/index.js';
import { createPool } from '../../pipeline/sink/database.js';
import { DEFAULT_DATABASE_URL } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';
import { createLogger } from '../../runtime/logger.js';
import { addOpsOptions, startOpsFromFlags, type OpsFlags } from '../ops-options.js';
import { loadSiteLayout } from '../../runtime/site-file.js';
import { httpTokenFrom } from '../../runtime/http-token.js';
import {
  addConnectionOptions,
  configFromFlags,
  untilSignal,
  type ConnectionFlags,
} from '../connection-options.js';

interface ExportFlags extends ConnectionFlags {
  from: string;
  to: string;
  zone?: string;
  output?: string;
}

interface ServeFlags extends ConnectionFlags, OpsFlags {
  port: string;
  host: string;
  tokenFile?: string;
}

function parseTime(flag: string, text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new ConfigError(`${flag} must be an ISO 8601 time, got ${JSON.stringify(text)}`);
  return date;
}

export function epcisCommand(): Command {
  const epcis = new Command('epcis').description(
    'GS1 EPCIS 2.0: zone events as JSON-LD ObjectEvents for customs brokers and trading partners.',
  );

  const exportCmd = epcis
    .command('export')
    .summary('print the zone events of a time range as an EPCIS 2.0 document')
    .description(
      'Read the zone events in [--from, --to) (and into or out of --zone) and print one EPCISDocument: ' +
        'ObjectEvents with action OBSERVE, a CBV bizStep (arriving, storing, inspecting, staging_outbound, ' +
        "entering_exiting, departing) and disposition, readPoint/bizLocation as the zones' SGLNs from the site " +
        "layout, epcList as pure-identity URNs (EPC Tag Data Standard), the customs status at the event's time " +
        'as bt:customsStatus, and the CBV 2.0 event hash as eventID.',
    )
    .requiredOption('--from <time>', 'start of the range, ISO 8601 (inclusive)')
    .requiredOption('--to <time>', 'end of the range, ISO 8601 (exclusive)')
    .option('--zone <id>', 'only events into or out of this zone')
    .option('--output <file>', 'write the document to a file instead of stdout');
  addConnectionOptions(exportCmd, { mqtt: false, kafka: false }).action(async (flags: ExportFlags) => {
    const from = parseTime('--from', flags.from);
    const to = parseTime('--to', flags.to);
    if (from >= to) throw new ConfigError('--from must be before --to');
    const config = await configFromFlags(flags);
    const site = await loadSiteLayout(config.siteFile);
    const pool = createPool(config.databaseUrl ?? DEFAULT_DATABASE_URL, {
      max: 1,
      applicationName: 'bondtrack epcis export',
    });
    try {
      const doc = await exportEpcis(pool, config.databaseSchema, site, {
        from,
        to,
        ...(flags.zone === undefined ? {} : { zone: flags.zone }),
      });
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      if (flags.output === undefined) process.stdout.write(text);
      else await writeFile(flags.output, text);
      process.stderr.write(`${doc.epcisBody.eventList.length} event(s)\n`);
    } finally {
      await pool.end();
    }
  });

  const serveCmd = epcis
    .command('serve')
    .summary('serve zone events as EPCIS 2.0 over HTTP')
    .description(
      'GET /events?from=ISO&to=ISO[&zone=ID] answers with the same document as `epcis export` ' +
        '(application/ld+json); a bad query is a 400 with a BT_EPCIS_BAD_QUERY code. GET /health answers ok.',
    )
    .option('--port <port>', 'TCP port (0: any free one)', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--token-file <file>',
      'file holding the bearer token GET /events must carry (default: env BONDTRACK_HTTP_TOKEN or BONDTRACK_HTTP_TOKEN_FILE; none: no token)',
    );
  addOpsOptions(serveCmd);
  addConnectionOptions(serveCmd, { mqtt: false, kafka: false }).action(async (flags: ServeFlags) => {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError(`--port must be 0..65535, got ${flags.port}`);
    const config = await configFromFlags(flags);
    const site = await loadSiteLayout(config.siteFile);
    const logger = createLogger('bondtrack.epcis');
    const pool = createPool(config.databaseUrl ?? DEFAULT_DATABASE_URL, {
      max: 2,
      applicationName: 'bondtrack epcis serve',
      logger,
    });
    const server = await startEpcisServer({
      pool,
      schema: config.databaseSchema,
      site,
      logger,
      port,
      host: flags.host,
      token: httpTokenFrom(flags.tokenFile),
    });
    logger.info({ url: server.url }, 'EPCIS endpoint listening');
    const ops = await startOpsFromFlags(flags, logger, {
      'database reachable': () => pool.query('SELECT 1').then(() => true),
    });
    process.stdout.write(`EPCIS 2.0 events at ${server.url}/events?from=…&to=…\n`);
    await untilSignal();
    await ops?.close();
    await server.close();
    await pool.end();
  });

  return epcis;
}
