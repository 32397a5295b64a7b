import { Command, InvalidArgumentError, Option } from 'commander';
import { isPayloadFormat } from '../../adapters/formats/index.js';
import { startNativeAdapter, type PayloadFormatName } from '../../adapters/native/index.js';
import { LINE_FORMATS, startSerialAdapter } from '../../adapters/serial/index.js';
import { DEFAULT_MQTT_URL, loadConfig } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';
import { createLogger } from '../../runtime/logger.js';
import { stopOnSignal } from '../connection-options.js';
import { addPublisherOptions, publisherSettingsFrom, type PublisherFlags } from '../publisher-options.js';
import { addOpsOptions, startOpsFromFlags, type OpsFlags } from '../ops-options.js';
import { llrpAdapterCommand } from './adapter-llrp.js';
import { addFormatOptions, formatSettingsFrom, type FormatCliOptions } from './parse.js';
import { httpTokenFrom } from '../../runtime/http-token.js';

/** `bondtrack adapter …`: run a reader adapter in the foreground. */
export function adapterCommand(): Command {
  return new Command('adapter')
    .description('Run a reader adapter: read tags from readers and publish ReadBatch messages to MQTT')
    .addCommand(serialCommand())
    .addCommand(nativeCommand())
    .addCommand(llrpAdapterCommand());
}

interface SerialCliOptions extends FormatCliOptions, OpsFlags, PublisherFlags {
  site: string;
  port?: Array<{ path: string; readerId: string }>;
  baud: number;
  mqttUrl?: string;
  config?: string;
  batchSize: number;
  lingerMs: number;
  maxLineBytes: number;
  rtscts: boolean;
}

function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || value.trim() === '') throw new InvalidArgumentError('must be an integer');
  return n;
}

/** `--port /dev/ttyUSB0=dock-1`, repeatable. Split at the last `=`, so a path may contain one. */
function collectPort(
  value: string,
  previous: SerialCliOptions['port'] | undefined,
): SerialCliOptions['port'] {
  const at = value.lastIndexOf('=');
  if (at <= 0 || at === value.length - 1) {
    throw new InvalidArgumentError('expected PATH=READER_ID, e.g. /dev/ttyUSB0=dock-door-1');
  }
  return [...(previous ?? []), { path: value.slice(0, at), readerId: value.slice(at + 1) }];
}

const SERIAL_HELP = `
--format names the line format of every port (check a reader's output first with bondtrack parse):
  jsonl         one JSON object per line (default):
                {"epc":"3178E61C883950F59A000000","antenna":1,"rssiDbm":-52.5,"seenAtUs":1764000000000000,"count":1}
                epc may be lower-case hex; "ts":"2026-04-02T12:00:01.250Z" may replace seenAtUs
  alien-text    Alien notifications: Tag:…, Disc:…, Last:…, Count:…, Ant:… (local time: --tz)
  alien-terse   Alien terse: TagID,Reads,Antenna (time from the #Time header, else reception time)
  alien-custom  Alien TagListCustomFormat tokens, given with --custom-format "%k,%D %T,%r,%a"
  csv           configured columns, given with --columns epc,antenna,rssiDbm,ts
A trailing \\r is fine; blank and header lines are skipped; Alien antennas (0-based) become 1-based.

Publishes, per reader, to bondtrack/v1/{site}/readers/{readerId}/
  reads         ReadBatch messages (QoS 1)
  dead-letters  refused lines with their reason (QoS 1)
  status        online/offline (retained; MQTT last will: offline)
A port that disappears is reopened with backoff; the adapter keeps running.
SIGINT/SIGTERM: flush, wait for acknowledgements, publish offline, exit 0
(exit 1 if some messages could not be delivered within the close timeout).

Example:
  $ bondtrack adapter serial --site waigaoqiao-1 \\
      --port /dev/ttyUSB0=dock-door-1 --port /dev/serial/by-id/usb-FTDI_A1-if00=gate-a \\
      --mqtt-url mqtt://10.0.0.5:1883
`;

function serialCommand(): Command {
  const command = addFormatOptions(new Command('serial'), 'jsonl', LINE_FORMATS);
  addOpsOptions(command);
  addPublisherOptions(command);
  return command
    .description('Read tag lines (JSON lines, Alien, CSV) from serial ports and publish them to MQTT')
    .requiredOption('--site <id>', 'site id, as in the MQTT topics')
    .addOption(
      new Option(
        '--port <path=readerId>',
        'a serial device and the id of the reader on it (repeat for more ports)',
      ).argParser(collectPort),
    )
    .option('--baud <n>', 'baud rate of every port', parseInteger, 115_200)
    .option('--rtscts', 'use RTS/CTS hardware flow control', false)
    .option('--mqtt-url <url>', `MQTT broker (env MQTT_URL; default ${DEFAULT_MQTT_URL})`)
    .option('--batch-size <n>', 'reads per ReadBatch at most', parseInteger, 500)
    .option('--linger-ms <n>', 'longest a read waits for its batch to fill', parseInteger, 100)
    .addOption(
      new Option('--max-line-bytes <n>', 'refuse longer lines').argParser(parseInteger).default(65_536),
    )
    .option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)')
    .addHelpText('after', SERIAL_HELP)
    .action(async (_options: unknown, command: Command) => {
      const options = command.opts<SerialCliOptions>();
      const ports = options.port ?? [];
      if (ports.length === 0) command.error('error: at least one --port PATH=READER_ID is required');
      await runSerialAdapter(options, ports);
    });
}

async function runSerialAdapter(
  options: SerialCliOptions,
  ports: NonNullable<SerialCliOptions['port']>,
): Promise<void> {
  const config = await loadConfig({ mqttUrl: options.mqttUrl, config: options.config });
  const logger = createLogger('adapter-serial', { site: options.site });
  const { format, ...formatSettings } = formatSettingsFrom(options);
  if (isPayloadFormat(format))
    throw new ConfigError(`--format ${format} is a payload format, not a line format`);
  const adapter = startSerialAdapter(
    {
      site: options.site,
      mqttUrl: config.mqttUrl ?? DEFAULT_MQTT_URL,
      ports,
      baudRate: options.baud,
      rtscts: options.rtscts,
      batchSize: options.batchSize,
      lingerMs: options.lingerMs,
      maxLineBytes: options.maxLineBytes,
      format,
      ...formatSettings,
      ...publisherSettingsFrom(options),
    },
    { logger },
  );
  const ops = await startOpsFromFlags(options, logger, {
    'publisher connected to MQTT': () => adapter.stats().publisher.connected,
    'serial ports open': () => adapter.stats().readers.every((r) => r.state === 'open'),
  });

  await stopOnSignal(logger, () => adapter.stop());
  await ops?.close();
}

interface NativeCliOptions extends OpsFlags, PublisherFlags {
  site: string;
  reader?: Array<{ readerId: string; format: string }>;
  subscribe?: Array<{ readerId: string; topic: string }>;
  httpPort?: number;
  httpHost: string;
  tokenFile?: string;
  maxPayloadBytes?: number;
  mqttUrl?: string;
  sourceMqttUrl?: string;
  highWaterMark?: number;
  config?: string;
}

/** `--reader dock-1=impinj-iot` / `--subscribe dock-1=impinj/+/events`, repeatable. Split at the first `=`. */
function collectPair<K extends string>(key: K) {
  return (value: string, previous: Array<{ readerId: string } & Record<K, string>> | undefined) => {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1)
      throw new InvalidArgumentError(`expected READER_ID=${key.toUpperCase()}`);
    return [
      ...(previous ?? []),
      { readerId: value.slice(0, at), [key]: value.slice(at + 1) } as { readerId: string } & Record<
        K,
        string
      >,
    ];
  };
}

const NATIVE_HELP = `
Readers that push JSON themselves: impinj-iot (R700 IoT Device Interface: HTTP stream, MQTT,
webhooks), speedway-connect (JSON over HTTP POST, tag_reads batches), zebra-iotc (IoT Connector
over MQTT or HTTP POST; eventNum gaps are logged as BT_NATIVE_SEQUENCE_GAP).
HTTP: POST /readers/{readerId} with a JSON body or (streaming) NDJSON; reply 202 {reads,rejected,skipped}.
The endpoint listens on 127.0.0.1 unless --http-host says otherwise.

Example:
  $ bondtrack adapter native --site waigaoqiao-1 --http-port 8088 \\
      --reader r700-dock-1=impinj-iot --reader fx9600-gate=zebra-iotc \\
      --subscribe fx9600-gate=zebra/fx9600-gate/d-evt
`;

function nativeCommand(): Command {
  return addPublisherOptions(addOpsOptions(new Command('native')))
    .description(
      'Ingest reader-pushed JSON (Impinj IoT, Speedway Connect, Zebra IoT Connector) over HTTP or MQTT',
    )
    .requiredOption('--site <id>', 'site id, as in the MQTT topics')
    .option('--reader <readerId=format>', 'a reader and its payload format (repeat)', collectPair('format'))
    .option(
      '--subscribe <readerId=topic>',
      'an MQTT topic filter the reader publishes to (repeat)',
      collectPair('topic'),
    )
    .option('--http-port <n>', 'serve POST /readers/{readerId} on this port', parseInteger)
    .option('--http-host <host>', 'address of the HTTP endpoint', '127.0.0.1')
    .option(
      '--token-file <file>',
      'file holding the bearer token every POST must carry (default: env BONDTRACK_HTTP_TOKEN or BONDTRACK_HTTP_TOKEN_FILE; none: no token)',
    )
    .option(
      '--max-payload-bytes <n>',
      'refuse larger payloads (HTTP documents, MQTT messages) unparsed, as BT_NATIVE_PAYLOAD_TOO_LARGE dead letters (default 1048576)',
      parseInteger,
    )
    .option('--mqtt-url <url>', `MQTT broker for ReadBatches (env MQTT_URL; default ${DEFAULT_MQTT_URL})`)
    .option('--source-mqtt-url <url>', 'MQTT broker the readers publish to (default: --mqtt-url)')
    .option(
      '--high-water-mark <n>',
      'batches queued (beyond the 64 awaiting PUBACK) above which input stops: HTTP bodies are no longer read, MQTT PUBACKs are held (default 256)',
      parseInteger,
    )
    .option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)')
    .addHelpText('after', NATIVE_HELP)
    .action(async (_options: unknown, command: Command) => {
      const options = command.opts<NativeCliOptions>();
      const readers = options.reader ?? [];
      if (readers.length === 0) command.error('error: at least one --reader READER_ID=FORMAT is required');
      const config = await loadConfig({ mqttUrl: options.mqttUrl, config: options.config });
      const logger = createLogger('adapter-native', { site: options.site });
      const adapter = await startNativeAdapter(
        {
          site: options.site,
          mqttUrl: config.mqttUrl ?? DEFAULT_MQTT_URL,
          ...(options.sourceMqttUrl === undefined ? {} : { sourceMqttUrl: options.sourceMqttUrl }),
          httpHost: options.httpHost,
          ...(options.maxPayloadBytes === undefined ? {} : { maxDocumentBytes: options.maxPayloadBytes }),
          ...(options.httpPort === undefined ? {} : { httpPort: options.httpPort }),
          ...optionalToken(httpTokenFrom(options.tokenFile)),
          ...publisherSettingsFrom(options),
          ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
          readers: readers.map((r) => ({
            readerId: r.readerId,
            format: r.format as PayloadFormatName,
            topics: (options.subscribe ?? []).filter((s) => s.readerId === r.readerId).map((s) => s.topic),
          })),
        },
        { logger },
      );
      const port = adapter.httpPort();
      if (port !== undefined)
        process.stderr.write(`http ingest on http://${options.httpHost}:${port}/readers/{readerId}\n`);
      const ops = await startOpsFromFlags(options, logger, adapter.readiness());
      await stopOnSignal(logger, () => adapter.stop());
      await ops?.close();
    });
}

function optionalToken(token: string | undefined): { httpToken?: string } {
  return token === undefined ? {} : { httpToken: token };
}
