import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { loadConfig } from '../../../runtime/config.js';
import { ConfigError } from '../../../runtime/errors.js';
import { authorize, httpTokenFrom } from '../../../runtime/http-token.js';
import { kafkaClientConfig, kafkaSecurityFromEnv } from '../../../runtime/kafka-client-options.js';
import { redactionOptions, redactUrlPasswords } from '../../../runtime/log-redaction.js';
import { mqttClientOptions, mqttSecurityFromEnv } from '../../../runtime/mqtt-client-options.js';
import { readSecret } from '../../../runtime/secrets.js';

async function fileWith(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-secret-settings-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'secret');
  await writeFile(file, content, { mode: 0o600 });
  return file;
}

const bearer = (value: string | undefined) => ({
  headers: value === undefined ? {} : { authorization: value },
});

describe('secrets from the environment or files', () => {
  test('NAME, or NAME_FILE without its trailing newline; both at once is an error naming them', async () => {
    const file = await fileWith('from-file\n');
    expect(readSecret('X_PASSWORD', { X_PASSWORD: 'direct' })).toBe('direct');
    expect(readSecret('X_PASSWORD', { X_PASSWORD_FILE: file })).toBe('from-file');
    expect(readSecret('X_PASSWORD', {})).toBeUndefined();
    expect(() => readSecret('X_PASSWORD', { X_PASSWORD: 'a', X_PASSWORD_FILE: file })).toThrow(
      'set X_PASSWORD or X_PASSWORD_FILE, not both',
    );
    const missing = (() => {
      try {
        readSecret('X_PASSWORD', { X_PASSWORD_FILE: '/nonexistent/secret' });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toMatch(/^X_PASSWORD_FILE: cannot read \/nonexistent\/secret/);
    expect(() => readSecret('X_PASSWORD', { X_PASSWORD_FILE: file.replace('secret', '') })).toThrow(
      ConfigError,
    );
  });

  test('DATABASE_URL_FILE, and DATABASE_PASSWORD_FILE set into whichever URL applies', async () => {
    const urlFile = await fileWith('postgres://writer:p%40ss@db.example:5432/bt\n');
    expect((await loadConfig({}, { DATABASE_URL_FILE: urlFile })).databaseUrl).toBe(
      'postgres://writer:p%40ss@db.example:5432/bt',
    );
    const passwordFile = await fileWith('s3cr@t/pw\n');
    const config = await loadConfig(
      { databaseUrl: 'postgres://writer@db.example:5432/bt' },
      { DATABASE_PASSWORD_FILE: passwordFile },
    );
    expect(new URL(config.databaseUrl ?? '').username).toBe('writer');
    expect(decodeURIComponent(new URL(config.databaseUrl ?? '').password)).toBe('s3cr@t/pw');
  });

  test('a flag value carrying a password is refused; the message does not repeat it', async () => {
    const err = await loadConfig({ mqttUrl: 'mqtt://rd:hunter2@broker:1883' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('--mqtt-url must not contain a password');
    expect((err as Error).message).not.toContain('hunter2');
    // The same URL from the environment is fine: the environment is not world-readable.
    expect((await loadConfig({}, { MQTT_URL: 'mqtt://rd:hunter2@broker:1883' })).mqttUrl).toBe(
      'mqtt://rd:hunter2@broker:1883',
    );
  });

  test('MQTT options: username, password file, CA; what the caller sets wins', async () => {
    const passwordFile = await fileWith('mqtt-pw\n');
    const caFile = await fileWith('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const security = mqttSecurityFromEnv({
      MQTT_USERNAME: 'RD-A',
      MQTT_PASSWORD_FILE: passwordFile,
      MQTT_CA_FILE: caFile,
      MQTT_TLS_REJECT_UNAUTHORIZED: 'false',
    });
    const options = mqttClientOptions({ clientId: 'c1' }, security);
    expect(options).toMatchObject({
      clientId: 'c1',
      username: 'RD-A',
      password: 'mqtt-pw',
      rejectUnauthorized: false,
    });
    expect(options.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(mqttClientOptions({ username: 'explicit' }, security).username).toBe('explicit');
    expect(mqttClientOptions({}, mqttSecurityFromEnv({})).rejectUnauthorized).toBe(true);
    expect(() => mqttSecurityFromEnv({ MQTT_TLS_REJECT_UNAUTHORIZED: 'maybe' })).toThrow(ConfigError);
  });

  test('Kafka options: SCRAM needs a username and a password; TLS from KAFKA_TLS or a CA file', async () => {
    expect(() =>
      kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }),
    ).toThrow('KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required');
    expect(() => kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/must be one of/);
    const caFile = await fileWith('ca-pem');
    const config = kafkaClientConfig(
      { brokers: ['k:9094'] },
      kafkaSecurityFromEnv({
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_CA_FILE: caFile,
      }),
    );
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'p' });
    expect(config.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(String((config.ssl as { ca: Buffer[] }).ca[0])).toBe('ca-pem');
    expect(kafkaClientConfig({ brokers: ['k:9092'] }, kafkaSecurityFromEnv({}))).toEqual({
      brokers: ['k:9092'],
    });
  });
});

describe('bearer tokens', () => {
  test('authorize: no configured token lets all in; otherwise exactly "Bearer <token>"', () => {
    expect(authorize(bearer(undefined), undefined)).toBe(true);
    expect(authorize(bearer(undefined), '')).toBe(true);
    expect(authorize(bearer('Bearer abc'), 'abc')).toBe(true);
    expect(authorize(bearer('bearer abc'), 'abc')).toBe(true);
    expect(authorize(bearer(undefined), 'abc')).toBe(false);
    expect(authorize(bearer('Bearer abcd'), 'abc')).toBe(false);
    expect(authorize(bearer('Bearer ab'), 'abc')).toBe(false);
    expect(authorize(bearer('Basic abc'), 'abc')).toBe(false);
    expect(authorize(bearer('abc'), 'abc')).toBe(false);
  });

  test('the token comes from --token-file, else BONDTRACK_HTTP_TOKEN(_FILE)', async () => {
    const file = await fileWith('tok-file\n');
    expect(httpTokenFrom(file, { BONDTRACK_HTTP_TOKEN: 'env' })).toBe('tok-file');
    expect(httpTokenFrom(undefined, { BONDTRACK_HTTP_TOKEN: 'env' })).toBe('env');
    expect(httpTokenFrom(undefined, { BONDTRACK_HTTP_TOKEN_FILE: file })).toBe('tok-file');
    expect(httpTokenFrom(undefined, {})).toBeUndefined();
  });
});

test('URL passwords are masked wherever they appear in a log string', () => {
  expect(redactUrlPasswords('connect postgres://u:pw@h:5432/db failed')).toBe(
    'connect postgres://u:***@h:5432/db failed',
  );
  expect(redactUrlPasswords('mqtts://RD-A:x%40y@broker:8883 and mqtt://plain@h')).toBe(
    'mqtts://RD-A:***@broker:8883 and mqtt://plain@h',
  );
  expect(redactUrlPasswords('http://h:8080/path?q=a:b@c')).toBe('http://h:8080/path?q=a:b@c');
});

test('the logger censors secret fields and URL passwords in fields, messages and errors', () => {
  const lines: string[] = [];
  const log = pino({ ...redactionOptions() }, { write: (line: string) => void lines.push(line) });
  const err = Object.assign(new Error('connect postgres://w:pw-in-error@db/bt refused'), {
    code: 'ECONNREFUSED',
  });
  log.info(
    { password: 'pw-field', nested: { sasl: { password: 'pw-sasl' } }, key: 'EPC-KEY' },
    'to mqtt://u:pw-msg@h',
  );
  log.error({ err }, 'failed');
  const text = lines.join('');
  for (const secret of ['pw-field', 'pw-sasl', 'pw-msg', 'pw-in-error']) expect(text).not.toContain(secret);
  const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(first).toMatchObject({
    password: '***',
    nested: { sasl: '***' },
    key: 'EPC-KEY',
    msg: 'to mqtt://u:***@h',
  });
  expect(second?.['err']).toMatchObject({
    type: 'Error',
    message: 'connect postgres://w:***@db/bt refused',
    code: 'ECONNREFUSED',
  });
});
