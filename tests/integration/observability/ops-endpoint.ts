import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { onTestFinished } from 'vitest';
import { loadScenario } from '../../../simulators/index.js';
import type { CliProcess } from '../../helpers/cli-process.js';
import { uniqueName } from '../../helpers/services.js';

/** The ops endpoint a spawned process printed at start (`ops endpoint on http://host:port …`). */
export async function opsUrlOf(cli: CliProcess, timeoutMs = 60_000): Promise<string> {
  const pattern = /ops endpoint on (http:\/\/\S+)/;
  await cli.waitForOutput(pattern, timeoutMs);
  const match = pattern.exec(cli.stderr()) ?? pattern.exec(cli.stdout());
  return match![1]!;
}

/** GET a path of the ops endpoint: status and body. A refused connection is status 0. */
export async function getOps(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** One sample of the Prometheus text format: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse the Prometheus text exposition format (label values here never hold `"` or `,`). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/)) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`; undefined when there is none. */
export function metricSum(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
}

/** Scrape /metrics and return the samples (throws on a non-200, so a poll keeps trying). */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await getOps(url, '/metrics', headers);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(res.body);
}

/** Scrape and sum one metric: a shorthand for `expect.poll`. */
export async function scrapeSum(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  return metricSum(await scrape(url), name, labels);
}

/**
 * The demo site under a site id of its own, written to a temporary file: a bridge subscribes to its
 * site's topics on the shared Mosquitto, so a test needs a site nobody else publishes to.
 */
export async function uniqueSiteFile(): Promise<{ siteId: string; siteFile: string; readerIds: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-obs-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const scenario = await loadScenario();
  const siteId = uniqueName('OBS');
  const siteFile = join(dir, 'site.json');
  await writeFile(siteFile, JSON.stringify({ ...scenario.site, site: siteId }));
  return { siteId, siteFile, readerIds: scenario.site.readers.map((r) => r.id) };
}

/** A consumer that collects every record of some topics from the beginning; disconnected at the end of the test. */
export async function collectTopics(
  brokers: string[],
  topics: string[],
): Promise<Map<string, KafkaMessage[]>> {
  const kafka = new Kafka({ clientId: 'bt-test-collect', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('collect'), maxWaitTimeInMs: 250 });
  const byTopic = new Map<string, KafkaMessage[]>(topics.map((t) => [t, []]));
  await consumer.connect();
  onTestFinished(() => consumer.disconnect());
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ topic, message }) => {
      byTopic.get(topic)!.push(message);
      return Promise.resolve();
    },
  });
  return byTopic;
}
