import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Identifier, toSchemaError } from '../schemas/index.js';
import { ConfigError, describeError } from './errors.js';
import { DEMO_SITE_FILE } from './site-file.js';

/**
 * Settings every process shares: where the services are and which site it serves.
 * Precedence: command-line flags > environment > config file (BONDTRACK_CONFIG or --config) > defaults.
 */
export const BondtrackConfig = z.object({
  /** MQTT broker URL (env MQTT_URL). Unset in `demo` means "start an embedded broker". */
  mqttUrl: z
    .url({ protocol: /^(mqtts?|wss?|tcp)$/, error: 'must be a URL such as mqtt://host:1883' })
    .optional(),
  /** Kafka bootstrap servers, host:port (env KAFKA_BROKERS, comma-separated). */
  kafkaBrokers: z
    .array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, { error: 'must be host:port' }))
    .min(1)
    .default(['127.0.0.1:9092']),
  /** PostgreSQL/TimescaleDB URL (env DATABASE_URL). Unset in `demo` means "embedded PGlite". */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' })
    .optional(),
  /** Schema that holds Bondtrack's tables (env DATABASE_SCHEMA). */
  databaseSchema: Identifier.default('bondtrack'),
  /** Prefix of every Kafka topic name (env BONDTRACK_TOPIC_PREFIX). */
  topicPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'must be letters, digits, . _ -' })
    .default('bondtrack'),
  /** Site layout file, YAML or JSON (env BONDTRACK_SITE). */
  siteFile: z.string().min(1).default(DEMO_SITE_FILE),
});
export type BondtrackConfig = z.infer<typeof BondtrackConfig>;
export type ConfigInput = z.input<typeof BondtrackConfig>;

export const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env['MQTT_URL']) out['mqttUrl'] = env['MQTT_URL'];
  if (env['KAFKA_BROKERS'])
    out['kafkaBrokers'] = env['KAFKA_BROKERS']
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (env['DATABASE_URL']) out['databaseUrl'] = env['DATABASE_URL'];
  if (env['DATABASE_SCHEMA']) out['databaseSchema'] = env['DATABASE_SCHEMA'];
  if (env['BONDTRACK_TOPIC_PREFIX']) out['topicPrefix'] = env['BONDTRACK_TOPIC_PREFIX'];
  if (env['BONDTRACK_SITE']) out['siteFile'] = env['BONDTRACK_SITE'];
  return out;
}

async function fromFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('the top level must be a mapping');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid: ${describeError(err)}`, { cause: err });
  }
}

function dropUndefined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** Merge flags, environment and config file; validate; name the offending setting on error. */
export async function loadConfig(
  flags: ConfigInput & { config?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<BondtrackConfig> {
  const { config: configPath, ...flagValues } = flags;
  const filePath = configPath ?? env['BONDTRACK_CONFIG'];
  const file = filePath ? await fromFile(filePath) : {};
  const merged = { ...dropUndefined(file), ...dropUndefined(fromEnv(env)), ...dropUndefined(flagValues) };
  const result = BondtrackConfig.safeParse(merged);
  if (!result.success) throw new ConfigError(toSchemaError('configuration', result.error).message);
  return result.data;
}
