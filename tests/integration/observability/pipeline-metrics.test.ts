import mqtt from 'mqtt';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MetricName } from '../../../runtime/metrics.js';
import { mqttTopics, type ReadBatch } from '../../../schemas/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { getOps, metricSum, opsUrlOf, parseMetrics, scrape, uniqueSiteFile } from './ops-endpoint.js';

const BATCHES = 6;
const READS_PER_BATCH = 7;

describe('bondtrack pipeline exposes /metrics, /healthz and /readyz (real process, real services)', () => {
  it('is not ready until its stages run; then its counters follow the input and its lag drains to 0', async () => {
    const services = testServices();
    const topicPrefix = uniqueName('obs');
    const schema = uniqueName('obs');
    const { siteId, siteFile, readerIds } = await uniqueSiteFile();
    const db = new pg.Pool({ connectionString: services.databaseUrl, max: 1 });
    onTestFinished(async () => {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    });

    const cli = spawnBondtrack([
      'pipeline',
      '--site',
      siteFile,
      '--topic-prefix',
      topicPrefix,
      '--schema',
      schema,
      '--kafka-brokers',
      services.kafkaBrokers.join(','),
      '--mqtt-url',
      services.mqttUrl,
      '--database-url',
      services.databaseUrl,
      '--ops-port',
      '0',
    ]);
    const url = await opsUrlOf(cli);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    // The endpoint is up before the stages: it answers, but not ready, while they connect and join.
    const first = await getOps(url, '/readyz');
    expect(first.status, first.body).toBe(503);
    expect((JSON.parse(first.body) as { waiting: string[] }).waiting).toContain('stages started');
    expect((await getOps(url, '/healthz')).status).toBe(200);
    await expect
      .poll(async () => (await getOps(url, '/readyz')).status, { timeout: 120_000 })
      .toBe(200)
      .catch(async (err: unknown) => {
        throw new Error(`not ready: ${(await getOps(url, '/readyz')).body}\n${cli.stderr().slice(-3000)}`, {
          cause: err,
        });
      });

    const exposition = (await getOps(url, '/metrics')).body;
    for (const name of [
      MetricName.readsIn,
      MetricName.batchesForwarded,
      MetricName.deadLetters,
      MetricName.stageMessagesIn,
      MetricName.stageRecordsOut,
      MetricName.consumerLag,
      MetricName.dedupOpenWindows,
      MetricName.locatePalletsTracked,
      MetricName.dbWriteSeconds,
      MetricName.mqttConnected,
      MetricName.ready,
      'bondtrack_process_resident_memory_bytes',
    ])
      expect(exposition).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    const samples = parseMetrics(exposition);
    expect(metricSum(samples, MetricName.mqttConnected, { client: 'bridge-0' })).toBe(1);

    const nowUs = Date.now() * 1000;
    const publisher = await mqtt.connectAsync(services.mqttUrl, { clientId: uniqueName('obs-pub') });
    onTestFinished(() => publisher.endAsync());
    const reader = readerIds[0]!;
    for (let b = 0; b < BATCHES; b++) {
      const batch: ReadBatch = {
        v: 1,
        site: siteId,
        readerId: reader,
        source: 'test',
        batchId: `${reader}:obs:${b}`,
        seq: b,
        sentAtUs: nowUs + b * 1_000_000,
        reads: Array.from({ length: READS_PER_BATCH }, (_, i) => ({
          epc: `3178E61C883950F59A${String(i).padStart(6, '0')}`,
          antenna: 1,
          rssiDbm: -50,
          seenAtUs: nowUs + b * 1_000_000 - 1000 * (READS_PER_BATCH - i),
          count: 1,
        })),
      };
      await publisher.publishAsync(mqttTopics.reads(siteId, reader), JSON.stringify(batch), { qos: 1 });
    }

    const sum = async (name: string, labels: Record<string, string> = {}) =>
      metricSum(await scrape(url), name, labels);
    await expect
      .poll(() => sum(MetricName.readsIn, { stage: 'bridge', reader }), { timeout: 120_000 })
      .toBe(BATCHES * READS_PER_BATCH);
    expect(await sum(MetricName.batchesForwarded)).toBe(BATCHES);
    await expect
      .poll(() => sum(MetricName.stageMessagesIn, { stage: 'dedup' }), { timeout: 120_000 })
      .toBe(BATCHES);
    // Observations flow to locate and sink; each sink write is timed.
    await expect
      .poll(() => sum(`${MetricName.dbWriteSeconds}_count`, { kind: 'observations' }), { timeout: 120_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => sum(MetricName.locatePalletsTracked), { timeout: 120_000 }).toBe(READS_PER_BATCH);
    // Lag is polled from the brokers: the dedup group has committed past every raw batch.
    await expect
      .poll(
        () =>
          sum(MetricName.consumerLag, { group: `${topicPrefix}.dedup`, topic: `${topicPrefix}.reads.v1` }),
        {
          timeout: 120_000,
        },
      )
      .toBe(0);
    expect(await sum(MetricName.deadLetters, { stage: 'bridge' })).toBeUndefined();

    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 300_000);
});
