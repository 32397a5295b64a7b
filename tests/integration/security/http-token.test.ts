import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { testPool, testSchema } from '../storage/storage-fixtures.js';
import { httpRequest } from './http-request.js';

async function tokenFile(token: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-token-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'token');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return file;
}

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The endpoint answers on loopback only: not on this machine's other address. */
async function expectLoopbackOnly(port: number): Promise<void> {
  expect(await accepts('127.0.0.1', port)).toBe(true);
  const other = externalAddress();
  if (other !== undefined) expect(await accepts(other, port)).toBe(false);
}

describe('bearer token on the HTTP endpoints', () => {
  test('`epcis serve --token-file`: 401 without or with a wrong token, 200 with it; loopback by default', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const token = uniqueName('epcis-token');
    const cli = spawnBondtrack([
      ...['epcis', 'serve', '--port', '0', '--database-url', testServices().databaseUrl, '--schema', schema],
      ...['--token-file', await tokenFile(token)],
    ]);
    await cli.waitForOutput(/EPCIS 2\.0 events at http:\/\/127\.0\.0\.1:\d+\/events/, 60_000);
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\/events/.exec(cli.stdout())?.[1]);
    const query = `/events?from=2025-01-01T00:00:00Z&to=${new Date().toISOString()}`;

    const none = await httpRequest(port, query);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="bondtrack"');
    expect((await httpRequest(port, query, { token: `${token}x` })).status).toBe(401);
    expect(
      (
        await httpRequest(port, query, {
          authorization: `Basic ${Buffer.from(`u:${token}`).toString('base64')}`,
        })
      ).status,
    ).toBe(401);
    const ok = await httpRequest(port, query, { token });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ type: 'EPCISDocument' });
    // Probes need no secret and get nothing but "ok".
    expect(await httpRequest(port, '/health')).toMatchObject({ status: 200, body: 'ok\n' });
    await expectLoopbackOnly(port);
    expect(cli.stdout() + cli.stderr()).not.toContain(token);
    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 120_000);

  test('native adapter webhook with BONDTRACK_HTTP_TOKEN_FILE: 401 without the token, 202 with it; loopback by default', async () => {
    const token = uniqueName('webhook-token');
    const site = uniqueName('site');
    const cli = spawnBondtrack(
      ['adapter', 'native', '--site', site, '--http-port', '0', '--reader', 'r1=impinj-iot'],
      {
        MQTT_URL: testServices().mqttUrl,
        BONDTRACK_HTTP_TOKEN_FILE: await tokenFile(token),
      },
    );
    await cli.waitForOutput(/http ingest on http:\/\/127\.0\.0\.1:\d+/, 60_000);
    const port = Number(/http ingest on http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stderr())?.[1]);
    const body = `${JSON.stringify({
      eventType: 'tagInventory',
      timestamp: new Date().toISOString(),
      tagInventoryEvent: {
        epc: Buffer.from('3178E61C883950F59A000001', 'hex').toString('base64'),
        antennaPort: 1,
      },
    })}\n`;

    expect((await httpRequest(port, '/readers/r1', { method: 'POST', body })).status).toBe(401);
    expect((await httpRequest(port, '/readers/r1', { method: 'POST', body, token: 'guess' })).status).toBe(
      401,
    );
    // Unknown paths answer 401 too: without the token nothing about the adapter is revealed.
    expect((await httpRequest(port, '/readers/nobody', { method: 'POST', body })).status).toBe(401);
    const accepted = await httpRequest(port, '/readers/r1', { method: 'POST', body, token });
    expect(accepted.status).toBe(202);
    expect(JSON.parse(accepted.body)).toMatchObject({ reads: 1 });
    await expectLoopbackOnly(port);
    expect(cli.stdout() + cli.stderr()).not.toContain(token);
    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
