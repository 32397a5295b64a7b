import { Command, InvalidArgumentError, Option } from 'commander';
import { startSerialAdapter } from '../../adapters/serial/index.js';
import { DEFAULT_MQTT_URL, loadConfig } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';

/** `bondtrack adapter …`: run a reader adapter in the foreground. */
export function adapterCommand(): Command {
  return new Command('adapter')
    .description('Run a reader adapter: read tags from readers and publish ReadBatch messages to MQTT')
    .addCommand(serialCommand());
}

interface SerialCliOptions {
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
Each line a reader sends is one JSON object (a trailing \\r is fine, blank lines are skipped):
  {"epc":"3178E61C883950F59A000000","antenna":1,"rssiDbm":-52.5,"seenAtUs":1764000000000000,"count":1}
epc may be lower-case hex; "ts":"2026-04-02T12:00:01.250Z" may replace seenAtUs.

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
  return new Command('serial')
    .description('Read JSON-lines tag reads from serial ports and publish them to MQTT')
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
    },
    { logger },
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (received: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      resolve(received);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  logger.info({ signal }, 'stopping');
  // A second signal while flushing means "now": give up on the flush.
  const forceExit = (): never => process.exit(130);
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);

  const result = await adapter.stop();
  process.exitCode = result.unpublishedMessages === 0 ? 0 : 1;
  process.removeListener('SIGINT', forceExit);
  process.removeListener('SIGTERM', forceExit);
}
