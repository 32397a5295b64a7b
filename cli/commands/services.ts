import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../../runtime/config.js';
import {
  DEFAULT_KAFKA_CONTROLLER_PORT,
  DEFAULT_KAFKA_PORT,
  DEFAULT_KAFKA_SASL_PORT,
  type KafkaOptions,
} from '../../services/kafka-options.js';
import type { ServiceDown, ServiceStatus, ServiceUp } from '../../services/service-report.js';
import { servicesDown, servicesStatus, servicesUp, type ServicesOptions } from '../../services/services.js';

interface CommonFlags {
  config?: string;
  json?: boolean;
  kafkaPort?: number;
  kafkaControllerPort?: number;
  kafkaSaslPort?: number;
  kafkaCacheDir?: string;
}

interface UpFlags extends CommonFlags {
  kafkaHeap?: number;
  kafkaDataDir?: string;
  kafkaVersion?: string;
  timeout?: number;
}

/** Exit code of `status` when a service is down, as LSB init scripts do ("program is not running"). */
const EXIT_STATUS_DOWN = 3;

export function servicesCommand(): Command {
  const services = new Command('services').description(
    'Bring up, check or stop what Bondtrack needs: Kafka (a local single-node broker it runs itself), ' +
      'PostgreSQL, Mosquitto and socat. The tests run `services up` before they start.',
  );

  withCommonFlags(
    services
      .command('up')
      .summary('start what is missing and wait until every service is healthy')
      .description(
        "Make every service healthy and wait until it is. Starts Bondtrack's own Kafka broker (fetching the " +
          'jars with Maven into .cache/kafka on first use) unless one already answers or KAFKA_BROKERS is set; ' +
          'starts PostgreSQL and Mosquitto if they are down at their local default address; installs socat ' +
          'if missing. Safe to repeat: a second run reuses everything. Exits 2 if a service cannot be made healthy.',
      ),
  )
    .addOption(
      new Option('--kafka-heap <mb>', 'maximum JVM heap of the broker, in MiB')
        .argParser(integer)
        .default(512),
    )
    .option('--kafka-data-dir <dir>', 'KRaft data dir of the broker (default: .cache/kafka/data)')
    .option('--kafka-version <version>', 'Apache Kafka version fetched from Maven Central (default: 4.1.1)')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for a started broker to become healthy')
        .argParser(integer)
        .default(90),
    )
    .action(async (flags: UpFlags) => {
      const result = await servicesUp(await servicesOptions(flags));
      if (flags.json) {
        print(JSON.stringify(result, null, 2));
        return;
      }
      for (const s of Object.values(result.services)) print(upLine(s));
      print(`all services healthy after ${seconds(result.elapsedMs)}`);
    });

  withCommonFlags(
    services
      .command('status')
      .summary('show whether each service is up, without changing anything')
      .description(
        'Check every service without starting or stopping anything: up or down, its address, and the pid ' +
          'and log of the broker Bondtrack started. Exits 0 when all are up, 3 when any is down.',
      ),
  ).action(async (flags: CommonFlags) => {
    const result = await servicesStatus(await servicesOptions(flags));
    if (flags.json) print(JSON.stringify(result, null, 2));
    else for (const s of Object.values(result.services)) print(statusLine(s));
    if (!result.ok) process.exitCode = EXIT_STATUS_DOWN;
  });

  withCommonFlags(
    services
      .command('down')
      .summary('stop the Kafka broker Bondtrack started')
      .description(
        'Stop the Kafka broker Bondtrack started (SIGTERM, then SIGKILL after 30 s); its data stays in the ' +
          'data dir. Leaves PostgreSQL, Mosquitto and any broker Bondtrack did not start running.',
      ),
  ).action(async (flags: CommonFlags) => {
    const result = await servicesDown(await servicesOptions(flags));
    if (flags.json) print(JSON.stringify(result, null, 2));
    else for (const s of Object.values(result.services)) print(downLine(s));
  });

  return services;
}

function withCommonFlags(command: Command): Command {
  return command
    .option('--json', 'print the result as JSON on stdout')
    .option('--config <file>', 'config file, YAML or JSON (default: BONDTRACK_CONFIG)')
    .addOption(
      new Option(
        '--kafka-port <port>',
        "client port of Bondtrack's broker on 127.0.0.1 (ignored when KAFKA_BROKERS is set)",
      )
        .argParser(port)
        .default(DEFAULT_KAFKA_PORT),
    )
    .addOption(
      new Option('--kafka-controller-port <port>', "KRaft controller port of Bondtrack's broker")
        .argParser(port)
        .default(DEFAULT_KAFKA_CONTROLLER_PORT),
    )
    .addOption(
      new Option(
        '--kafka-sasl-port <port>',
        `SASL/SCRAM listener of Bondtrack's broker (default: ${DEFAULT_KAFKA_SASL_PORT} when --kafka-port is ${DEFAULT_KAFKA_PORT}, else none)`,
      ).argParser(port),
    )
    .option(
      '--kafka-cache-dir <dir>',
      'where the jars, generated config, log and pid file live (default: .cache/kafka)',
    );
}

/** Flags, then environment and config file (runtime/config.ts), then the defaults. */
async function servicesOptions(flags: UpFlags): Promise<ServicesOptions> {
  const config = await loadConfig(flags.config === undefined ? {} : { config: flags.config });
  const kafka: KafkaOptions = {};
  if (flags.kafkaPort !== undefined) kafka.port = flags.kafkaPort;
  if (flags.kafkaControllerPort !== undefined) kafka.controllerPort = flags.kafkaControllerPort;
  if (flags.kafkaSaslPort !== undefined) kafka.saslPort = flags.kafkaSaslPort;
  if (flags.kafkaCacheDir !== undefined) kafka.cacheDir = flags.kafkaCacheDir;
  if (flags.kafkaHeap !== undefined) kafka.heapMb = flags.kafkaHeap;
  if (flags.kafkaDataDir !== undefined) kafka.dataDir = flags.kafkaDataDir;
  if (flags.kafkaVersion !== undefined) kafka.version = flags.kafkaVersion;
  if (flags.timeout !== undefined) kafka.startTimeoutMs = flags.timeout * 1000;
  const options: ServicesOptions = {
    kafka,
    progress: (m) => process.stderr.write(`bondtrack services: ${m}\n`),
  };
  // The config schema defaults brokers to 127.0.0.1:9092, which is the broker we run ourselves;
  // only brokers someone actually configured (env or file) are "external, check only".
  const defaultBrokers = `127.0.0.1:${DEFAULT_KAFKA_PORT}`;
  if (process.env['KAFKA_BROKERS'] || config.kafkaBrokers.join(',') !== defaultBrokers)
    options.kafkaBrokers = config.kafkaBrokers;
  if (config.mqttUrl !== undefined) options.mqttUrl = config.mqttUrl;
  if (config.databaseUrl !== undefined) options.databaseUrl = config.databaseUrl;
  return options;
}

function upLine(s: ServiceUp): string {
  const pid = s.pid === undefined ? '' : `  pid ${s.pid}`;
  return `${s.service.padEnd(10)} ${s.action.padEnd(9)} ${s.address}${pid}  (${seconds(s.elapsedMs)})`;
}

function statusLine(s: ServiceStatus): string {
  const pid = s.pid === undefined ? '' : `  pid ${s.pid}`;
  const detail = s.detail === undefined ? '' : `  ${s.detail}`;
  return `${s.service.padEnd(10)} ${s.state.padEnd(5)} ${s.address}${pid}${detail}`;
}

function downLine(s: ServiceDown): string {
  const pid = s.pid === undefined ? '' : `  pid ${s.pid}`;
  const detail = s.detail === undefined ? '' : `  ${s.detail}`;
  return `${s.service.padEnd(10)} ${s.action.padEnd(12)} ${s.address}${pid}${detail}`;
}

let stdoutGuarded = false;

function print(line: string): void {
  if (!stdoutGuarded) {
    // `bondtrack services status | head -1` closes the pipe early; that is not an error of ours.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
    stdoutGuarded = true;
  }
  process.stdout.write(`${line}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function port(value: string): number {
  const n = integer(value);
  if (n > 65_535) throw new InvalidArgumentError('must be a port, 1-65535');
  return n;
}
