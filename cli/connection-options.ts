import { Option, type Command } from 'commander';
import { loadConfig, type BondtrackConfig } from '../runtime/config.js';

/** Flags shared by every command that talks to the services. */
export interface ConnectionFlags {
  config?: string;
  mqttUrl?: string;
  kafkaBrokers?: string;
  databaseUrl?: string;
  schema?: string;
  topicPrefix?: string;
  site?: string;
}

export function addConnectionOptions(
  command: Command,
  which: { mqtt?: boolean; kafka?: boolean; database?: boolean } = {},
): Command {
  command.addOption(new Option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)'));
  if (which.mqtt !== false) command.addOption(new Option('--mqtt-url <url>', 'MQTT broker (env MQTT_URL)'));
  if (which.kafka !== false) {
    command.addOption(
      new Option('--kafka-brokers <list>', 'Kafka bootstrap servers, host:port,… (env KAFKA_BROKERS)'),
    );
    command.addOption(
      new Option('--topic-prefix <prefix>', 'prefix of the Kafka topic names (env BONDTRACK_TOPIC_PREFIX)'),
    );
  }
  if (which.database !== false) {
    command.addOption(new Option('--database-url <url>', 'PostgreSQL/TimescaleDB URL (env DATABASE_URL)'));
    command.addOption(new Option('--schema <name>', 'database schema of the tables (env DATABASE_SCHEMA)'));
  }
  command.addOption(
    new Option('--site <file>', 'site layout, YAML or JSON (env BONDTRACK_SITE; default: the demo site)'),
  );
  return command;
}

/** Flags → validated configuration (flags over environment over config file over defaults). */
export function configFromFlags(flags: ConnectionFlags): Promise<BondtrackConfig> {
  return loadConfig({
    config: flags.config,
    mqttUrl: flags.mqttUrl,
    kafkaBrokers: flags.kafkaBrokers
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    databaseUrl: flags.databaseUrl,
    databaseSchema: flags.schema,
    topicPrefix: flags.topicPrefix,
    siteFile: flags.site,
  });
}

/** Resolve on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * Run until SIGINT/SIGTERM, then stop (flush); exit 1 if something could not be delivered.
 * A second signal while flushing means "now": give up on the flush.
 */
export async function stopOnSignal(
  logger: { info: (fields: object, msg: string) => void },
  stop: () => Promise<{ unpublishedMessages: number }>,
): Promise<void> {
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping');
  const forceExit = (): never => process.exit(130);
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);
  const result = await stop();
  process.exitCode = result.unpublishedMessages === 0 ? 0 : 1;
  process.off('SIGINT', forceExit);
  process.off('SIGTERM', forceExit);
}
