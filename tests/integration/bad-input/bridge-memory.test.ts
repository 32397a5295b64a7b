import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MetricName } from '../../../runtime/metrics.js';
import { kafkaTopics, mqttTopics } from '../../../schemas/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { getOps, metricSum, opsUrlOf, scrape, uniqueSiteFile } from '../observability/ops-endpoint.js';

/** Bad payloads to send; BAD_INPUT_COUNT overrides (e.g. 1000000 for a longer soak). */
const TOTAL = Number(process.env['BAD_INPUT_COUNT'] ?? 200_000);
/** Measured once the first this many are refused: code loaded, buffers and pools at their working size. */
const WARM_UP = Math.min(20_000, Math.floor(TOTAL / 10));
/** Published but not yet refused, at most: Mosquitto queues only so much for a subscriber (max_queued_messages). */
const AHEAD = 2_000;
const MAX_PAYLOAD_BYTES = 2048;
/**
 * The bridge runs with its V8 old space capped at this: a process that kept anything per refused
 * message would die of "heap out of memory" long before the end (the warmed-up heap is 45-80 MB, so
 * a leak of ~300 bytes per message is fatal at 200k). Heap used read from /metrics cannot bound it
 * by itself: without a GC, garbage still counts as used, and an idle process does not collect.
 */
const MAX_OLD_SPACE_MB = 128;
/** Resident memory may grow this much from the warmed-up process to the settled one. */
const MAX_RSS_GROWTH_BYTES = 100 * 1024 * 1024;

const KINDS = ['not-json', 'schema', 'bad-epc', 'oversized'] as const;
type Kind = (typeof KINDS)[number];

describe('a long bad-input run into the bridge (real process, real Mosquitto and Kafka)', () => {
  it(`refuses ${TOTAL} bad payloads into the dead-letter topic with its memory bounded`, async () => {
    const services = testServices();
    const topicPrefix = uniqueName('mem');
    const { siteId, siteFile, readerIds } = await uniqueSiteFile();
    const cli = spawnBondtrack(
      [
        'pipeline',
        'bridge',
        '--site',
        siteFile,
        '--topic-prefix',
        topicPrefix,
        '--kafka-brokers',
        services.kafkaBrokers.join(','),
        '--mqtt-url',
        services.mqttUrl,
        '--max-payload-bytes',
        String(MAX_PAYLOAD_BYTES),
        '--ops-port',
        '0',
      ],
      { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --max-old-space-size=${MAX_OLD_SPACE_MB}` },
    );
    onTestFinished(async () => {
      // 200k dead letters are the test's own: do not leave them on the shared broker.
      const kafka = new Kafka({ brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${topicPrefix}.`));
      await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      await admin.disconnect();
    });
    const url = await opsUrlOf(cli);
    await expect.poll(async () => (await getOps(url, '/readyz')).status, { timeout: 120_000 }).toBe(200);
    expect(kafkaTopics(topicPrefix).dlq).toBe(`${topicPrefix}.dlq.v1`);

    const refused = async () =>
      metricSum(await scrape(url), MetricName.deadLetters, { stage: 'bridge' }) ?? 0;
    const memory = async () => {
      const samples = await scrape(url);
      return {
        heapBytes: metricSum(samples, 'bondtrack_nodejs_heap_size_used_bytes')!,
        rssBytes: metricSum(samples, 'bondtrack_process_resident_memory_bytes')!,
      };
    };

    const publisher = await mqtt.connectAsync(services.mqttUrl, { clientId: uniqueName('mem-pub') });
    onTestFinished(() => publisher.endAsync());
    const tried: Record<Kind, number> = { 'not-json': 0, schema: 0, 'bad-epc': 0, oversized: 0 };
    const payload = (i: number): { kind: Kind; text: string } => {
      // One in a hundred oversized; the rest in turn.
      const kind: Kind = i % 100 === 99 ? 'oversized' : KINDS[i % 3]!;
      const readerId = readerIds[i % readerIds.length]!;
      switch (kind) {
        case 'not-json':
          return { kind, text: `{"v":1,"site":"${siteId}","seq":${i},` };
        case 'schema':
          return { kind, text: JSON.stringify({ v: 1, site: siteId, readerId, seq: i, reads: 'none' }) };
        case 'bad-epc':
          return {
            kind,
            text: JSON.stringify({
              v: 1,
              site: siteId,
              readerId,
              source: 'test',
              batchId: `${readerId}:mem:${i}`,
              seq: i,
              sentAtUs: Date.now() * 1000,
              reads: [{ epc: 'ABC', antenna: 1, seenAtUs: Date.now() * 1000, count: 1 }],
            }),
          };
        case 'oversized':
          return { kind, text: `{"pad":"${'z'.repeat(MAX_PAYLOAD_BYTES)}","seq":${i}}` };
      }
    };

    let baseline: { heapBytes: number; rssBytes: number } | undefined;
    const WINDOW = 500;
    for (let sent = 0; sent < TOTAL;) {
      const pending: Array<Promise<unknown>> = [];
      for (const end = Math.min(TOTAL, sent + WINDOW); sent < end; sent++) {
        const { kind, text } = payload(sent);
        tried[kind]++;
        const readerId = readerIds[sent % readerIds.length]!;
        pending.push(publisher.publishAsync(mqttTopics.reads(siteId, readerId), text, { qos: 1 }));
      }
      await Promise.all(pending);
      // Flow control: stay at most AHEAD messages in front of what the bridge has refused.
      const target = sent - AHEAD;
      if (target > 0)
        await expect.poll(refused, { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(target);
      if (baseline === undefined && sent >= WARM_UP) {
        await expect.poll(refused, { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(WARM_UP);
        baseline = await memory();
      }
    }
    await expect.poll(refused, { timeout: 300_000, interval: 200 }).toBe(TOTAL);
    const byCode = metricSum(await scrape(url), MetricName.deadLetters, {
      stage: 'bridge',
      code: 'BT_BRIDGE_TOO_LARGE',
    });
    expect(byCode).toBe(tried.oversized);
    expect(
      metricSum(await scrape(url), MetricName.deadLetters, { stage: 'bridge', code: 'BT_BRIDGE_NOT_JSON' }),
    ).toBe(tried['not-json']);
    expect(
      metricSum(await scrape(url), MetricName.deadLetters, { stage: 'bridge', code: 'BT_SCHEMA_INVALID' }),
    ).toBe(tried.schema + tried['bad-epc']);

    // Settled: everything refused; sample until two readings in a row agree within 5 MB (drained).
    let settled = await memory();
    await expect
      .poll(
        async () => {
          const next = await memory();
          const stable = Math.abs(next.heapBytes - settled.heapBytes) < 5 * 1024 * 1024;
          settled = next;
          return stable;
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(true);
    const rssGrowth = settled.rssBytes - baseline!.rssBytes;
    console.log(
      `bad-input memory: ${TOTAL} payloads tried (${Object.entries(tried)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}), all refused to the DLQ; heap ${mb(baseline!.heapBytes)} → ${mb(settled.heapBytes)} MB, ` +
        `RSS ${mb(baseline!.rssBytes)} → ${mb(settled.rssBytes)} MB (after ${WARM_UP} → after ${TOTAL}; old space capped at ${MAX_OLD_SPACE_MB} MB)`,
    );
    // Alive with every message refused: the capped heap never ran out.
    expect(settled.heapBytes).toBeLessThan(MAX_OLD_SPACE_MB * 1024 * 1024);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
    expect(cli.child.exitCode).toBeNull();
    expect((await getOps(url, '/healthz')).status).toBe(200);
  }, 1_200_000);
});

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
