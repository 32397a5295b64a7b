import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { spawnBondtrack, type CliProcess } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { httpRequest } from './http-request.js';
import { startSecureMosquitto } from './secure-mosquitto.js';

/** A secret that cannot appear by chance, and a file holding it. */
async function secretFile(name: string): Promise<{ secret: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-secret-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const secret = uniqueName(`S3cr3t-${name}`);
  const file = join(dir, name);
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return { secret, file };
}

/** Everything the process wrote, stdout and stderr, must contain none of the secrets. */
function expectNoSecrets(cli: CliProcess, secrets: string[]): void {
  const all = cli.stdout() + cli.stderr();
  expect(all.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(all).not.toContain(secret);
}

describe('secrets never reach the logs of real processes', () => {
  test('native adapter: MQTT password (env, file, URL) and HTTP token, on the success and the refused paths', async () => {
    const broker = await startSecureMosquitto(['RD-A']);
    const wrongPassword = uniqueName('S3cr3t-wrong-mqtt');
    const token = uniqueName('S3cr3t-token');
    const port = Number(new URL(broker.url).port);
    const adapterArgs = (site: string) => [
      'adapter',
      'native',
      '--site',
      site,
      '--http-port',
      '0',
      '--reader',
      'RD-A=impinj-iot',
    ];

    // Refused: a wrong password in MQTT_PASSWORD; the broker says "not authorized", the adapter logs it.
    const refused = spawnBondtrack(adapterArgs(uniqueName('site')), {
      MQTT_URL: broker.url,
      MQTT_USERNAME: 'RD-A',
      MQTT_PASSWORD: wrongPassword,
      BONDTRACK_HTTP_TOKEN: token,
    });
    await refused.waitForOutput(/"msg":"mqtt error"/, 60_000);
    await refused.waitForOutput(/http ingest on http:\/\/127\.0\.0\.1:\d+/, 60_000);
    const httpPort = Number(/http ingest on http:\/\/127\.0\.0\.1:(\d+)/.exec(refused.stderr())?.[1]);
    expect(
      (await httpRequest(httpPort, '/readers/RD-A', { method: 'POST', body: '{}\n', token: wrongPassword }))
        .status,
    ).toBe(401);
    expect(await refused.stop('SIGTERM')).toBe(0);
    expect(refused.stderr()).toMatch(/Not authorized|Connection refused/i);
    expectNoSecrets(refused, [wrongPassword, token]);

    // Accepted: the right password in a file, and the same password inside an MQTT URL (logged as ***).
    const right = broker.password('RD-A');
    const fromFile = spawnBondtrack(adapterArgs(uniqueName('site')), {
      MQTT_URL: broker.url,
      MQTT_USERNAME: 'RD-A',
      MQTT_PASSWORD_FILE: broker.passwordFile('RD-A'),
    });
    await fromFile.waitForOutput(/"msg":"mqtt connected"/, 60_000);
    expect(await fromFile.stop('SIGTERM')).toBe(0);
    expectNoSecrets(fromFile, [right]);

    const inUrl = spawnBondtrack(adapterArgs(uniqueName('site')), {
      MQTT_URL: `mqtt://RD-A:${right}@127.0.0.1:${port}`,
    });
    await inUrl.waitForOutput(/"msg":"mqtt connected"/, 60_000);
    expect(inUrl.stderr()).toContain(`mqtt://RD-A:***@127.0.0.1:${port}`);
    expect(await inUrl.stop('SIGTERM')).toBe(0);
    expectNoSecrets(inUrl, [right]);
  }, 180_000);

  test('pipeline bridge: a Kafka SASL password from KAFKA_SASL_PASSWORD_FILE, on the failing path', async () => {
    const kafkaPassword = await secretFile('kafka');
    // SASL against the PLAINTEXT listener fails the handshake: kafkajs logs and retries.
    const cli = spawnBondtrack(['pipeline', 'bridge'], {
      KAFKA_BROKERS: testServices().kafkaBrokers.join(','),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'bondtrack',
      KAFKA_SASL_PASSWORD_FILE: kafkaPassword.file,
      BONDTRACK_TOPIC_PREFIX: uniqueName('bt-sec'),
    });
    await cli.waitForOutput(/SASL/, 60_000);
    await cli.stop('SIGKILL');
    expectNoSecrets(cli, [kafkaPassword.secret]);
  }, 120_000);

  test('database password in DATABASE_URL or DATABASE_PASSWORD_FILE; EPCIS token; refused connection', async () => {
    const dbPassword = await secretFile('db');
    const urlPassword = uniqueName('S3cr3t-url');
    const token = await secretFile('token');
    // Port 1: nothing listens, so the pool fails and the error is logged.
    const cli = spawnBondtrack(['epcis', 'serve', '--port', '0', '--token-file', token.file], {
      DATABASE_URL: `postgres://postgres:${urlPassword}@127.0.0.1:1/test`,
    });
    await cli.waitForOutput(/EPCIS 2\.0 events at http:\/\/127\.0\.0\.1:\d+/, 60_000);
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\/events/.exec(cli.stdout())?.[1]);
    const res = await httpRequest(port, `/events?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z`, {
      token: token.secret,
    });
    expect(res.status).toBe(500);
    await cli.waitForOutput(/EPCIS query failed/, 30_000);
    expect(await cli.stop('SIGTERM')).toBe(0);
    expectNoSecrets(cli, [urlPassword, token.secret]);

    const migrate = spawnBondtrack(['db', 'migrate'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
      DATABASE_PASSWORD_FILE: dbPassword.file,
    });
    expect(await migrate.exited()).not.toBe(0);
    expect(migrate.stderr()).toMatch(/ECONNREFUSED/);
    expectNoSecrets(migrate, [dbPassword.secret]);
  }, 120_000);

  test('a password as a command-line flag value is refused, without echoing it', async () => {
    const secret = uniqueName('S3cr3t-flag');
    const cli = spawnBondtrack([
      'db',
      'migrate',
      '--database-url',
      `postgres://postgres:${secret}@127.0.0.1:1/test`,
    ]);
    expect(await cli.exited()).not.toBe(0);
    expect(cli.stderr()).toContain('--database-url must not contain a password');
    expectNoSecrets(cli, [secret]);
  }, 60_000);
});
