import { describe, expect, it } from 'vitest';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { getOps, metricSum, opsUrlOf, scrape } from './ops-endpoint.js';

describe('bondtrack epcis serve exposes the ops endpoint (real process, real PostgreSQL)', () => {
  it('is ready while its database answers, with process metrics on /metrics and a token when one is set', async () => {
    const cli = spawnBondtrack(
      [
        'epcis',
        'serve',
        '--port',
        '0',
        '--database-url',
        testServices().databaseUrl,
        '--schema',
        uniqueName('obs'),
        '--ops-port',
        '0',
      ],
      { BONDTRACK_OPS_TOKEN: 'ops-test-token' },
    );
    const url = await opsUrlOf(cli);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    await expect.poll(async () => (await getOps(url, '/readyz')).status, { timeout: 30_000 }).toBe(200);
    expect((await getOps(url, '/healthz')).status).toBe(200);
    expect((await getOps(url, '/metrics')).status).toBe(401);
    const samples = await scrape(url, { authorization: 'Bearer ops-test-token' });
    expect(metricSum(samples, 'bondtrack_process_cpu_seconds_total')).toBeGreaterThan(0);
    // The token is a secret: never in the logs.
    expect(cli.stderr()).not.toContain('ops-test-token');
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('answers /readyz 503 naming the database while the database cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    const cli = spawnBondtrack([
      'epcis',
      'serve',
      '--port',
      '0',
      '--database-url',
      'postgres://postgres@127.0.0.1:1/test',
      '--ops-port',
      '0',
    ]);
    const url = await opsUrlOf(cli);
    const res = await getOps(url, '/readyz');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ ready: false, waiting: ['database reachable'] });
    expect((await getOps(url, '/healthz')).status).toBe(200);
  });
});
