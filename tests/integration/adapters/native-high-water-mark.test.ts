import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MetricName } from '../../../runtime/metrics.js';
import { ReadBatch, parseWith } from '../../../schemas/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from './mqtt-capture.js';
import { startTcpProxy } from './tcp-proxy.js';
import { opsUrlOf, scrapeSum } from '../observability/ops-endpoint.js';

/**
 * 80 batches of the default 500 reads: more than the 64 the publisher keeps in flight (MQTT.js holds
 * those while disconnected), far fewer than 64 + the default high-water mark of 256 queued batches.
 */
const READS = 40_000;
const impinjLine = (i: number): string =>
  JSON.stringify({
    eventType: 'tagInventory',
    timestamp: '2026-04-02T12:00:00Z',
    tagInventoryEvent: {
      epcHex: `3178E61C8839${i.toString(16).toUpperCase().padStart(12, '0')}`,
      antennaPort: 1,
      peakRssiCdbm: -5000,
    },
  });

function postNdjson(port: number, path: string, lines: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(`${lines.join('\n')}\n`);
  });
}

/**
 * `bondtrack adapter native` with its output broker unreachable (a TCP proxy the test cuts), so
 * every batch stays in the publisher: the high-water mark decides whether an HTTP body is read.
 */
async function startCutOff(extraArgs: string[]) {
  const { mqttUrl } = testServices();
  const broker = new URL(mqttUrl);
  const proxy = await startTcpProxy(broker.hostname, Number(broker.port || 1883));
  await proxy.cut();
  const site = uniqueName('site');
  const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/r700/reads`);
  const cli = spawnBondtrack([
    'adapter',
    'native',
    '--site',
    site,
    '--http-port',
    '0',
    '--reader',
    'r700=impinj-iot',
    '--mqtt-url',
    `mqtt://127.0.0.1:${proxy.port}`,
    ...extraArgs,
  ]);
  await cli.waitForOutput(/http ingest on http:\/\/127\.0\.0\.1:\d+/);
  const port = Number(/127\.0\.0\.1:(\d+)\/readers/.exec(cli.stderr())![1]);
  const reads = () =>
    capture
      .json('reads')
      .map((m) => parseWith(ReadBatch, 'ReadBatch', m))
      .reduce((n, b) => n + b.reads.length, 0);
  return { proxy, cli, port, reads };
}

describe('bondtrack adapter native --high-water-mark (issue 4)', () => {
  it('stops reading an HTTP body once that many batches wait, and takes the rest when the broker is back', async () => {
    const { proxy, cli, port, reads } = await startCutOff(['--high-water-mark', '1']);
    const lines = Array.from({ length: READS }, (_, i) => impinjLine(i));
    const response = postNdjson(port, '/readers/r700', lines);
    await cli.waitForOutput(/publisher full: HTTP input paused/, 60_000);
    await proxy.restore();
    expect(await response).toMatchObject({ status: 202 });
    expect(JSON.parse((await response).body)).toEqual({ reads: READS, rejected: 0, skipped: 0 });
    await expect.poll(reads, { timeout: 60_000, interval: 250 }).toBe(READS);
    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('by default (256 queued batches) the same body is read whole while the broker is unreachable, and answered once the broker has it', async () => {
    const { proxy, cli, port, reads } = await startCutOff(['--ops-port', '0']);
    const ops = await opsUrlOf(cli);
    const lines = Array.from({ length: READS }, (_, i) => impinjLine(i));
    const response = postNdjson(port, '/readers/r700', lines);
    // Every read is taken into the publisher although nothing can leave...
    await expect
      .poll(() => scrapeSum(ops, MetricName.readsIn, { stage: 'adapter:native', reader: 'r700' }), {
        timeout: 60_000,
        interval: 250,
      })
      .toBe(READS);
    expect(cli.stderr()).not.toMatch(/HTTP input paused/);
    // ...but without a queue dir the reads are durable only once the broker has them: 202 after that.
    await proxy.restore();
    expect(await response).toMatchObject({ status: 202 });
    expect(JSON.parse((await response).body)).toEqual({ reads: READS, rejected: 0, skipped: 0 });
    await expect.poll(reads, { timeout: 60_000, interval: 250 }).toBe(READS);
    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('refuses a high-water mark below 1, naming the option', async () => {
    const cli = spawnBondtrack([
      'adapter',
      'native',
      '--site',
      'wgq-1',
      '--http-port',
      '0',
      '--reader',
      'r700=impinj-iot',
      '--high-water-mark',
      '0',
    ]);
    expect(await cli.exited()).not.toBe(0);
    expect(cli.stderr()).toMatch(/highWaterMark/);
  }, 60_000);
});
