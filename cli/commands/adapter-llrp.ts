import { Command, InvalidArgumentError, Option } from 'commander';
import {
  parseReaderAddress,
  readerIdFromSite,
  startLlrpAdapter,
  type ParsedAddress,
} from '../../adapters/llrp/adapter/index.js';
import { SEARCH_MODES } from '../../adapters/llrp/client/index.js';
import { DEFAULT_MQTT_URL, loadConfig } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';
import { createLogger } from '../../runtime/logger.js';
import { stopOnSignal } from '../connection-options.js';
import { addPublisherOptions, publisherSettingsFrom, type PublisherFlags } from '../publisher-options.js';
import { loadSiteLayout } from '../../runtime/site-file.js';
import { addOpsOptions, startOpsFromFlags, type OpsFlags } from '../ops-options.js';

interface LlrpCliOptions extends OpsFlags, PublisherFlags {
  site: string;
  reader?: ParsedAddress[];
  readerId?: string[];
  siteFile?: string;
  mqttUrl?: string;
  config?: string;
  antennas?: number[];
  reportEveryTags: number;
  reportEveryMs: number;
  session?: number;
  searchMode?: keyof typeof SEARCH_MODES;
  txPowerIndex?: number;
  impinj: boolean;
  keepaliveMs: number;
  rospecId: number;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer ${min}-${max}`);
    return n;
  };
}

function collect<T>(parse: (value: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

function address(value: string): ParsedAddress {
  try {
    return parseReaderAddress(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

const LLRP_HELP = `
Connects to each reader (LLRP 1.0.1 over TCP), waits for its connection event, deletes every
ROSpec and AccessSpec, asks for KEEPALIVE every --keepalive-ms, adds, enables and starts one ROSpec
(--rospec-id) over --antennas, and publishes every TagReportData as a TagRead, per reader, to
bondtrack/v1/{site}/readers/{readerId}/
  reads         ReadBatch messages (QoS 1)
  dead-letters  TagReportData that are not reads, undecodable messages (QoS 1)
  status        online (inventory running) / degraded (a keepalive missed) / offline (retained;
                MQTT last will: offline)
A reader that goes away, refuses the connection or falls silent for 3 keepalive periods is
reconnected with exponential backoff (500 ms doubling to 30 s, jittered).
Reader ids: --reader-id in the order of --reader, else the site layout's llrp reader at that address.
SIGINT/SIGTERM: STOP_ROSPEC, CLOSE_CONNECTION, flush, publish offline, exit 0.

Example:
  $ bondtrack adapter llrp --site waigaoqiao-1 --reader 10.0.0.21:5084 --reader-id dock-door-1 \\
      --antennas 1,2 --report-every-ms 200 --session 1 --impinj --search-mode dual-target
`;

/** `bondtrack adapter llrp`. */
export function llrpAdapterCommand(): Command {
  return addPublisherOptions(addOpsOptions(new Command('llrp')))
    .description('Read tags from fixed readers over LLRP (TCP 5084) and publish them to MQTT')
    .requiredOption('--site <id>', 'site id, as in the MQTT topics')
    .addOption(
      new Option('--reader <host:port>', 'a reader to connect to (repeat for more)').argParser(
        collect(address),
      ),
    )
    .addOption(
      new Option(
        '--reader-id <id>',
        'id of the reader given by the --reader in the same position (repeat)',
      ).argParser(collect((v: string) => v)),
    )
    .option('--site-file <file>', 'site layout to find reader ids by address (default: env BONDTRACK_SITE)')
    .option('--mqtt-url <url>', `MQTT broker (env MQTT_URL; default ${DEFAULT_MQTT_URL})`)
    .addOption(
      new Option('--antennas <list>', 'antenna ports to inventory, e.g. 1,2 (default: all)').argParser(
        (v: string) => v.split(',').map((p) => integer(1, 65_535)(p.trim())),
      ),
    )
    .option('--report-every-tags <n>', 'a report every N tags (0: no count trigger)', integer(0, 65_535), 0)
    .option('--report-every-ms <ms>', 'a report every T ms (0: no time trigger)', integer(0, 3_600_000), 250)
    .option('--session <n>', 'Gen2 session 0-3 (default: the reader’s)', integer(0, 3))
    .addOption(
      new Option('--search-mode <mode>', 'Impinj inventory search mode (needs --impinj)').choices(
        Object.keys(SEARCH_MODES),
      ),
    )
    .option(
      '--tx-power-index <n>',
      'transmit power, an index into the reader’s power table',
      integer(1, 65_535),
    )
    .option('--impinj', 'enable Impinj extensions (ImpinjPeakRSSI in centi-dBm)', false)
    .option(
      '--keepalive-ms <ms>',
      'KEEPALIVE period asked of the reader (0: none)',
      integer(0, 3_600_000),
      10_000,
    )
    .option('--rospec-id <n>', 'ROSpecID the adapter adds', integer(1, 4_294_967_295), 1)
    .option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)')
    .addHelpText('after', LLRP_HELP)
    .action(async (_options: unknown, command: Command) => {
      const options = command.opts<LlrpCliOptions>();
      const addresses = options.reader ?? [];
      if (addresses.length === 0) command.error('error: at least one --reader HOST:PORT is required');
      const ids = options.readerId ?? [];
      if (ids.length > addresses.length) command.error('error: more --reader-id than --reader');
      const config = await loadConfig({
        mqttUrl: options.mqttUrl,
        config: options.config,
        siteFile: options.siteFile,
      });
      const site = ids.length < addresses.length ? await loadSiteLayout(config.siteFile) : undefined;
      const readers = addresses.map((a, i) => ({
        host: a.host,
        port: a.port,
        readerId: ids[i] ?? readerIdFromSite(site!, a),
      }));
      if (options.searchMode !== undefined && !options.impinj)
        throw new ConfigError('--search-mode is an Impinj extension: add --impinj');
      const logger = createLogger('adapter-llrp', { site: options.site });
      const adapter = startLlrpAdapter(
        {
          site: options.site,
          mqttUrl: config.mqttUrl ?? DEFAULT_MQTT_URL,
          readers,
          ...(options.antennas === undefined ? {} : { antennas: options.antennas }),
          reportEveryNTags: options.reportEveryTags,
          reportEveryMs: options.reportEveryMs,
          ...(options.session === undefined ? {} : { session: options.session }),
          ...(options.searchMode === undefined ? {} : { searchMode: options.searchMode }),
          ...(options.txPowerIndex === undefined ? {} : { txPowerIndex: options.txPowerIndex }),
          impinjExtensions: options.impinj,
          keepaliveMs: options.keepaliveMs,
          rospecId: options.rospecId,
          ...publisherSettingsFrom(options),
        },
        { logger },
      );
      const ops = await startOpsFromFlags(options, logger, {
        'publisher connected to MQTT': () => adapter.stats().publisher.connected,
        'llrp readers inventorying': () => adapter.stats().readers.every((r) => r.state === 'inventorying'),
      });
      await stopOnSignal(logger, () => adapter.stop());
      await ops?.close();
    });
}
