import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Identifier, toSchemaError } from '../schemas/index.js';
import { ConfigError, describeError } from './errors.js';
import { readSecret } from './secrets.js';
import { DEMO_SITE_FILE } from './site-file.js';

/** A Kafka topic prefix: what may stand in a topic name. */
export const TOPIC_PREFIX = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'must be letters, digits, . _ -' });

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
  topicPrefix: TOPIC_PREFIX.default('bondtrack'),
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
  const databaseUrl = readSecret('DATABASE_URL', env);
  if (databaseUrl) out['databaseUrl'] = databaseUrl;
  if (env['DATABASE_SCHEMA']) out['databaseSchema'] = env['DATABASE_SCHEMA'];
  if (env['BONDTRACK_TOPIC_PREFIX']) out['topicPrefix'] = env['BONDTRACK_TOPIC_PREFIX'];
  if (env['BONDTRACK_SITE']) out['siteFile'] = env['BONDTRACK_SITE'];
  return out;
}

/**
 * DATABASE_PASSWORD or DATABASE_PASSWORD_FILE sets the password of the database URL however that
 * was given (flag, env, config file, default), so the URL can live in a config file without it.
 */
function withDatabasePassword(url: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const password = readSecret('DATABASE_PASSWORD', env);
  if (password === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url ?? DEFAULT_DATABASE_URL);
  } catch {
    throw new ConfigError('the database URL must be a postgres:// URL when DATABASE_PASSWORD is set');
  }
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
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

/**
 * Command lines are world-readable (`ps`, /proc/PID/cmdline, shell history): a URL given as a flag
 * must not carry a password. Passwords go in the environment or a file (docs/security.md).
 */
function refusePasswordsInFlags(flags: ConfigInput): void {
  const urls: Array<[string, string | undefined, string]> = [
    ['--database-url', flags.databaseUrl, 'DATABASE_PASSWORD_FILE (or DATABASE_URL_FILE)'],
    ['--mqtt-url', flags.mqttUrl, 'MQTT_USERNAME and MQTT_PASSWORD_FILE'],
  ];
  for (const [flag, url, instead] of urls) {
    if (url === undefined) continue;
    let password = '';
    try {
      password = new URL(url).password;
    } catch {
      continue; // the schema names the malformed URL below
    }
    if (password !== '')
      throw new ConfigError(
        `${flag} must not contain a password (command lines are visible to every user); use ${instead}`,
      );
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
  refusePasswordsInFlags(flagValues);
  const filePath = configPath ?? env['BONDTRACK_CONFIG'];
  const file = filePath ? await fromFile(filePath) : {};
  const merged = { ...dropUndefined(file), ...dropUndefined(fromEnv(env)), ...dropUndefined(flagValues) };
  const databaseUrl = withDatabasePassword(merged['databaseUrl'] as string | undefined, env);
  if (databaseUrl !== undefined) merged['databaseUrl'] = databaseUrl;
  const result = BondtrackConfig.safeParse(merged);
  if (!result.success) throw new ConfigError(toSchemaError('configuration', result.error).message);
  return result.data;
}
