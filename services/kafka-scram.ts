import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { javaBaseArgs } from './kafka-config.js';
import { brokerAddress, type KafkaLayout } from './kafka-options.js';
import { lastLines, runCommand } from './run-command.js';

/**
 * The SCRAM user of Bondtrack's own broker (SASL_PLAINTEXT listener, KIP-554 credentials kept in the
 * KRaft metadata log). The password is made once per cache dir and kept in
 * `<cacheDir>/scram-credentials.json` (mode 0600, git-ignored) so that tests and local runs can
 * read it; a real deployment sets KAFKA_SASL_* instead (docs/security.md).
 */
export interface ScramCredentials {
  username: string;
  password: string;
  /** Both are registered; clients may pick either. */
  mechanisms: Array<'scram-sha-512' | 'scram-sha-256'>;
  /** host:port of the SASL_PLAINTEXT listener. */
  brokers: string[];
}

export const SCRAM_USERNAME = 'bondtrack';
const KAFKA_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const;

export async function readScramCredentials(file: string): Promise<ScramCredentials | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ScramCredentials>;
    if (typeof parsed.username === 'string' && typeof parsed.password === 'string')
      return parsed as ScramCredentials;
    return undefined;
  } catch {
    return undefined;
  }
}

/** The stored credentials, or new ones written to the file. The brokers entry always follows the layout. */
export async function ensureScramCredentials(layout: KafkaLayout): Promise<ScramCredentials | undefined> {
  if (layout.saslPort === undefined) return undefined;
  const existing = await readScramCredentials(layout.scramCredentialsFile);
  const credentials: ScramCredentials = {
    username: existing?.username ?? SCRAM_USERNAME,
    // base64url: no ',', '[' or ']' that would break the `SCRAM-SHA-512=[password=…]` syntax.
    password: existing?.password ?? randomBytes(24).toString('base64url'),
    mechanisms: ['scram-sha-512', 'scram-sha-256'],
    brokers: [`${layout.host}:${layout.saslPort}`],
  };
  await mkdir(dirname(layout.scramCredentialsFile), { recursive: true });
  await writeFile(layout.scramCredentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

/** `kafka-storage format` arguments that create the user with the metadata log (KIP-900). */
export function formatScramArgs(credentials: ScramCredentials): string[] {
  return KAFKA_MECHANISMS.flatMap((m) => [
    '--add-scram',
    `${m}=[name=${credentials.username},password=${credentials.password}]`,
  ]);
}

/**
 * Create or update the user on a running broker, through the PLAINTEXT listener, with Kafka's own
 * ConfigCommand (kafkajs has no AlterUserScramCredentials). Used when the data dir was formatted
 * before the SCRAM listener existed.
 */
export async function upsertScramUser(layout: KafkaLayout, credentials: ScramCredentials): Promise<void> {
  // One mechanism per call: the broker refuses to alter one user twice in a request.
  for (const mechanism of KAFKA_MECHANISMS) {
    const args = [
      ...javaBaseArgs(layout),
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      brokerAddress(layout),
      '--alter',
      '--add-config',
      `${mechanism}=[password=${credentials.password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      credentials.username,
    ];
    const result = await runCommand('java', args, {
      service: 'kafka',
      cwd: layout.cacheDir,
      timeoutMs: 120_000,
    });
    if (result.exitCode !== 0) {
      const output = lastLines(result.output.replaceAll(credentials.password, '***'), 20);
      throw new ServiceError(
        ServiceErrorCodes.KAFKA_FORMAT,
        'kafka',
        `creating the ${mechanism} user ${credentials.username} failed (java exited ${result.exitCode}):\n${output}`,
      );
    }
  }
}
