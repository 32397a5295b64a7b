import { networkInterfaces } from 'node:os';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MetricName, deadLettersTotal } from '../../../runtime/metrics.js';
import { startOpsServer } from '../../../runtime/ops-server.js';
import { quietLogger } from '../adapters/quiet-logger.js';
import { getOps, metricSum, parseMetrics } from './ops-endpoint.js';

const log = quietLogger('test-ops');

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

describe('ops server (/metrics, /healthz, /readyz) over real HTTP', () => {
  it('answers /readyz 503 naming the waiting check until it passes, then 200; /healthz is 200 throughout', async () => {
    let connected = false;
    const ops = await startOpsServer({ port: 0, log, readiness: { 'mqtt connected': () => connected } });
    onTestFinished(() => ops.close());

    const before = await getOps(ops.url, '/readyz');
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toEqual({ ready: false, waiting: ['mqtt connected'] });
    expect((await getOps(ops.url, '/healthz')).status).toBe(200);

    connected = true;
    const after = await getOps(ops.url, '/readyz');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toEqual({ ready: true, waiting: [] });
    expect(metricSum(parseMetrics((await getOps(ops.url, '/metrics')).body), MetricName.ready)).toBe(1);
  });

  it('a readiness check that throws counts as not ready, and the endpoint keeps answering', async () => {
    const ops = await startOpsServer({
      port: 0,
      log,
      readiness: { database: () => Promise.reject(new Error('connection refused')) },
    });
    onTestFinished(() => ops.close());
    expect((await getOps(ops.url, '/readyz')).status).toBe(503);
    expect((await getOps(ops.url, '/healthz')).status).toBe(200);
  });

  it('serves the registry in the Prometheus text format, with process metrics and counters that move', async () => {
    const ops = await startOpsServer({ port: 0, log });
    onTestFinished(() => ops.close());
    const res = await fetch(`${ops.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const before = parseMetrics(await res.text());
    expect(metricSum(before, 'bondtrack_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metricSum(before, 'bondtrack_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    const labels = { stage: 'ops-test', code: 'BT_TEST_ONLY' };
    const start = metricSum(before, MetricName.deadLetters, labels) ?? 0;
    deadLettersTotal.inc(labels, 3);
    const after = parseMetrics((await getOps(ops.url, '/metrics')).body);
    expect(metricSum(after, MetricName.deadLetters, labels)).toBe(start + 3);
  });

  it('requires the bearer token on /metrics when one is set; probes stay open', async () => {
    const ops = await startOpsServer({ port: 0, log, token: 's3cret-token' });
    onTestFinished(() => ops.close());
    expect((await getOps(ops.url, '/metrics')).status).toBe(401);
    expect((await getOps(ops.url, '/metrics', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await getOps(ops.url, '/metrics', { authorization: 'Bearer s3cret-token' })).status).toBe(200);
    expect((await getOps(ops.url, '/healthz')).status).toBe(200);
    expect((await getOps(ops.url, '/readyz')).status).toBe(200);
  });

  it('binds loopback by default: reachable on 127.0.0.1, refused on the machine’s other address', async () => {
    const ops = await startOpsServer({ port: 0, log });
    onTestFinished(() => ops.close());
    expect(ops.host).toBe('127.0.0.1');
    expect((await getOps(`http://127.0.0.1:${ops.port}`, '/healthz')).status).toBe(200);
    const external = externalAddress();
    // A machine with no other interface cannot reach it from elsewhere either; the bind address above says so.
    if (external !== undefined)
      expect((await getOps(`http://${external}:${ops.port}`, '/healthz')).status).toBe(0);
  });
});
