import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricName } from '../../../runtime/metrics.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { createTestPty } from '../../helpers/pty.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from '../adapters/mqtt-capture.js';
import { startOwnMosquitto } from '../adapters/own-mosquitto.js';
import { getOps, opsUrlOf, scrapeSum } from './ops-endpoint.js';

const READS = 25;
const line = (i: number) =>
  `${JSON.stringify({
    epc: `3178E61C883950F59A${String(i).padStart(6, '0')}`,
    antenna: 1,
    rssiDbm: -50,
    seenAtUs: Date.now() * 1000,
    count: 1,
  })}\n`;

describe('adapters expose /metrics, /healthz and /readyz (real processes)', () => {
  it('serial: not ready while its MQTT broker is down, ready once it is up; reads and batches counted per reader', async () => {
    // A broker of our own, stopped before the adapter starts: its port is known and refuses connections.
    const broker = await startOwnMosquitto();
    await broker.stop();
    const pty = await createTestPty();
    const site = uniqueName('site');
    const cli = spawnBondtrack([
      'adapter',
      'serial',
      '--site',
      site,
      '--port',
      `${pty.adapterPath}=dock-1`,
      '--mqtt-url',
      broker.url,
      '--linger-ms',
      '20',
      '--ops-port',
      '0',
    ]);
    const url = await opsUrlOf(cli);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect((await getOps(url, '/healthz')).status).toBe(200);
    const waiting = await getOps(url, '/readyz');
    expect(waiting.status).toBe(503);
    expect((JSON.parse(waiting.body) as { waiting: string[] }).waiting).toContain(
      'publisher connected to MQTT',
    );
    expect(await scrapeSum(url, MetricName.mqttConnected, { client: 'adapter:serial:publisher' })).toBe(0);

    await broker.start();
    await expect.poll(async () => (await getOps(url, '/readyz')).status, { timeout: 30_000 }).toBe(200);
    expect(await scrapeSum(url, MetricName.mqttConnected, { client: 'adapter:serial:publisher' })).toBe(1);

    const capture = await captureMqtt(broker.url, `bondtrack/v1/${site}/#`);
    for (let i = 0; i < READS; i++) await pty.write(line(i));
    await expect
      .poll(() => scrapeSum(url, MetricName.readsIn, { stage: 'adapter:serial', reader: 'dock-1' }), {
        timeout: 30_000,
      })
      .toBe(READS);
    const batches = () => capture.json('reads').length;
    await expect.poll(batches, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect
      .poll(() => scrapeSum(url, MetricName.batchesPublished, { stage: 'adapter:serial' }), {
        timeout: 30_000,
      })
      .toBe(batches());
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('native: reads and dead letters counted by reader and code; the on-disk queue depth is a gauge', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const queueDir = await mkdtemp(join(tmpdir(), 'bondtrack-obs-queue-'));
    const cli = spawnBondtrack([
      'adapter',
      'native',
      '--site',
      site,
      '--reader',
      'r700=impinj-iot',
      '--http-port',
      '0',
      '--mqtt-url',
      mqttUrl,
      '--queue-dir',
      queueDir,
      '--ops-port',
      '0',
    ]);
    try {
      const url = await opsUrlOf(cli);
      await expect.poll(async () => (await getOps(url, '/readyz')).status, { timeout: 30_000 }).toBe(200);
      await cli.waitForOutput(/http ingest on (http:\/\/\S+)\/readers/);
      const ingest = /http ingest on (http:\/\/\S+)\/readers/.exec(cli.stderr())![1]!;
      const events = Array.from({ length: READS }, (_, i) =>
        JSON.stringify({
          eventType: 'tagInventory',
          timestamp: new Date().toISOString(),
          tagInventoryEvent: {
            epc: Buffer.from(`3178E61C883950F59A${String(i).padStart(6, '0')}`, 'hex').toString('base64'),
            antennaPort: 1,
            peakRssiCdbm: -5000,
            lastSeenTime: new Date().toISOString(),
          },
        }),
      );
      const body = [...events, 'not json at all', '{"eventType":"tagInventory"}'].join('\n');
      const res = await fetch(`${ingest}/readers/r700`, { method: 'POST', body });
      expect(res.status).toBe(202);

      await expect
        .poll(() => scrapeSum(url, MetricName.readsIn, { stage: 'adapter:native', reader: 'r700' }), {
          timeout: 30_000,
        })
        .toBe(READS);
      expect(await scrapeSum(url, MetricName.deadLetters, { stage: 'adapter:native' })).toBe(2);
      expect(
        await scrapeSum(url, MetricName.deadLetters, { stage: 'adapter:native', code: 'BT_NATIVE_BAD_JSON' }),
      ).toBe(1);
      // Everything acknowledged: the queue drains to empty.
      await expect
        .poll(() => scrapeSum(url, MetricName.diskQueueMessages, { stage: 'adapter:native' }), {
          timeout: 30_000,
        })
        .toBe(0);
      expect(await cli.stop('SIGTERM')).toBe(0);
    } finally {
      await rm(queueDir, { recursive: true, force: true });
    }
  });
});
