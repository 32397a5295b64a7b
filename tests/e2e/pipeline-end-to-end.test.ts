import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { systemClock } from '../../runtime/clock.js';
import { DEMO_MANIFEST_FILE } from '../../runtime/site-file.js';
import { DeadLetter, kafkaTopics, mqttTopics, type CustomsStatus } from '../../schemas/index.js';
import {
  SimulatedSerialReader,
  createSimulation,
  loadScenario,
  openReaderPtys,
  paceSimulation,
} from '../../simulators/index.js';
import { spawnBondtrack } from '../helpers/cli-process.js';
import { testServices, uniqueName } from '../helpers/services.js';

const RUN_SEC = 45;
/** Arrivals this close to the end of the run may not have enough evidence yet to be decided. */
const DECISION_MARGIN_US = 5_000_000;
const GARBAGE = 'this is not a tag read }{';

describe('end to end on real Mosquitto, Kafka and PostgreSQL', () => {
  it('stores every arrival of the ground truth; a garbage serial line is dead-lettered while the reads around it arrive', async () => {
    const services = testServices();
    const topicPrefix = uniqueName('e2e');
    const schema = uniqueName('e2e');
    const siteId = uniqueName('E2E');
    const work = await mkdtemp(join(tmpdir(), 'bondtrack-e2e-'));
    onTestFinished(() => rm(work, { recursive: true, force: true }));

    // The demo site under a site id of its own, so concurrent tests do not share MQTT topics.
    const scenario = await loadScenario();
    const site = { ...scenario.site, site: siteId };
    const siteFile = join(work, 'site.json');
    await writeFile(siteFile, JSON.stringify(site));
    const readerIds = site.readers.map((r) => r.id);
    const ptys = await openReaderPtys(join(work, 'ports'), readerIds);
    onTestFinished(() => ptys.close());

    const db = new pg.Pool({ connectionString: services.databaseUrl, max: 2 });
    onTestFinished(async () => {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    });

    // Every reader's status must say online before the simulator writes: then no line is lost to a closed port.
    const watcher = await mqtt.connectAsync(services.mqttUrl);
    onTestFinished(() => watcher.endAsync());
    const online = new Set<string>();
    watcher.on('message', (topic, payload) => {
      const status = JSON.parse(payload.toString()) as { readerId: string; state: string };
      if (status.state === 'online') online.add(status.readerId);
    });
    await watcher.subscribeAsync(mqttTopics.allStatus(siteId), { qos: 1 });

    const connection = ['--kafka-brokers', services.kafkaBrokers.join(','), '--mqtt-url', services.mqttUrl];
    const pipeline = spawnBondtrack([
      'pipeline',
      ...connection,
      '--site',
      siteFile,
      '--manifest',
      DEMO_MANIFEST_FILE,
      '--topic-prefix',
      topicPrefix,
      '--database-url',
      services.databaseUrl,
      '--schema',
      schema,
    ]);
    await pipeline.waitForOutput(/pipeline running/, 90_000);
    const adapter = spawnBondtrack([
      'adapter',
      'serial',
      '--site',
      siteId,
      '--mqtt-url',
      services.mqttUrl,
      ...readerIds.flatMap((id) => ['--port', `${ptys.pairs.get(id)!.adapterPath}=${id}`]),
    ]);
    await expect.poll(() => online.size, { timeout: 30_000, interval: 100 }).toBe(readerIds.length);

    // Customs decisions go to Kafka as the simulation reaches them, as a customs system would send them.
    const kafka = new Kafka({ brokers: services.kafkaBrokers, clientId: 'e2e', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const topics = kafkaTopics(topicPrefix);

    const simulation = createSimulation({
      site,
      manifest: scenario.manifest,
      customs: scenario.customs,
      schedule: scenario.schedule,
      seed: 11,
      startUs: Math.floor(systemClock.nowUs() / 1000) * 1000, // the simulator works in whole ms
      profile: 'test',
      palletCount: 60,
    });
    const writers = new Map<string, SimulatedSerialReader>();
    for (const id of readerIds)
      writers.set(id, await SimulatedSerialReader.open({ path: ptys.pairs.get(id)!.readerPath }));
    // A reader that covers storage reads pallets all the time: reads on both sides of the garbage are certain.
    const storage = new Set(site.zones.filter((z) => z.kind === 'STORAGE').map((z) => z.id));
    const garbageReader = site.antennas.find((a) => storage.has(a.zone))!.reader;
    let garbageAtUs: number | undefined;
    let customsSent = 0;
    await paceSimulation(simulation, { durationSec: RUN_SEC, speed: 1 }, async (reads, nowUs) => {
      const byReader = new Map<string, typeof reads>();
      for (const r of reads) byReader.set(r.readerId, [...(byReader.get(r.readerId) ?? []), r]);
      await Promise.all(
        [...byReader].map(([id, list]) => writers.get(id)!.writeReads(list.map((r) => r.read))),
      );
      if (garbageAtUs === undefined && nowUs - simulation.startUs >= (RUN_SEC / 2) * 1_000_000) {
        await writers.get(garbageReader)!.writeLine(GARBAGE);
        garbageAtUs = nowUs;
      }
      const due: CustomsStatus[] = [];
      while (customsSent < simulation.customs.length && simulation.customs[customsSent]!.atUs <= nowUs) {
        due.push({ ...simulation.customs[customsSent]!, site: siteId });
        customsSent++;
      }
      if (due.length > 0) {
        await producer.send({
          topic: topics.customs,
          messages: due.map((c) => ({ key: c.epc ?? c.sscc ?? '', value: JSON.stringify(c) })),
        });
      }
    });
    await Promise.all([...writers.values()].map((w) => w.close()));
    const endUs = simulation.nowUs;
    simulation.close();

    // Every arrival in a zone (gates are crossed, not occupied) the pipeline had time to decide.
    const arrivals = simulation.truth.filter(
      (t): t is Extract<typeof t, { kind: 'ZONE_ENTERED' }> =>
        t.kind === 'ZONE_ENTERED' &&
        site.zones.find((z) => z.id === t.zone)?.kind !== 'GATE' &&
        t.atUs <= endUs - DECISION_MARGIN_US,
    );
    expect(arrivals.length).toBeGreaterThan(30);
    const missing = async () => {
      const { rows } = await db.query<{ epc: string; to_zone: string }>(
        `SELECT DISTINCT epc, to_zone FROM "${schema}".zone_events WHERE kind IN ('ARRIVED', 'MOVED')`,
      );
      const stored = new Set(rows.map((r) => `${r.epc}/${r.to_zone}`));
      return arrivals.filter((a) => !stored.has(`${a.epc}/${a.zone}`)).map((a) => `${a.epc}/${a.zone}`);
    };
    try {
      await expect.poll(missing, { timeout: 60_000, interval: 1_000 }).toEqual([]);
    } catch (err) {
      // An intermittent miss (seen once in CI) cannot be re-run: say what the pipeline saw of each pallet.
      const detail = await explainMissing(
        db,
        schema,
        simulation.truth,
        simulation.startUs,
        await missing(),
      ).catch((e: unknown) => `(could not explain: ${String(e)})`);
      throw new Error(`${String(err)}\n${detail}`);
    }

    // The garbage line is in the dead-letter topic with its reason; nothing else is.
    const consumer = kafka.consumer({ groupId: uniqueName('e2e-dlq') });
    await consumer.connect();
    onTestFinished(() => consumer.disconnect());
    const letters: DeadLetter[] = [];
    await consumer.subscribe({ topic: topics.dlq, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) =>
        Promise.resolve(void letters.push(DeadLetter.parse(JSON.parse(message.value!.toString())))),
    });
    await expect.poll(() => letters.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      stage: 'adapter:serial',
      readerId: garbageReader,
      payload: GARBAGE,
      site: siteId,
    });
    expect(letters[0]!.reason.length).toBeGreaterThan(5);

    // The reads of that reader on both sides of the garbage line arrived.
    const around = await db.query<{ before: string; after: string }>(
      `SELECT count(*) FILTER (WHERE last_seen_us < $2) AS before, count(*) FILTER (WHERE first_seen_us > $2) AS after
         FROM "${schema}".observations WHERE reader_id = $1`,
      [garbageReader, garbageAtUs],
    );
    expect(Number(around.rows[0]!.before)).toBeGreaterThan(0);
    expect(Number(around.rows[0]!.after)).toBeGreaterThan(0);

    expect(await adapter.stop()).toBe(0);
    expect(await pipeline.stop()).toBe(0);
  }, 300_000);
});

/** Truth, stored zone events and observations of each missing pallet, times in s from the start. */
async function explainMissing(
  db: pg.Pool,
  schema: string,
  truth: ReadonlyArray<{ kind: string; epc?: string; atUs: number }>,
  startUs: number,
  missing: readonly string[],
): Promise<string> {
  const s = (us: number | string): string => ((Number(us) - startUs) / 1e6).toFixed(2);
  const lines: string[] = [];
  for (const epc of new Set(missing.map((m) => m.split('/')[0]!))) {
    lines.push(`pallet ${epc}:`);
    for (const t of truth.filter((t) => t.epc === epc))
      lines.push(`  truth ${s(t.atUs)} ${JSON.stringify(t)}`);
    const events = await db.query<{ kind: string; from_zone: string; to_zone: string; at_us: string }>(
      `SELECT kind, from_zone, to_zone, at_us FROM "${schema}".zone_events WHERE epc = $1 ORDER BY at_us`,
      [epc],
    );
    for (const e of events.rows)
      lines.push(`  event ${s(e.at_us)} ${e.kind} ${e.from_zone ?? '-'} → ${e.to_zone ?? '-'}`);
    const observations = await db.query<{
      reader_id: string;
      antenna: number;
      first_seen_us: string;
      last_seen_us: string;
      count: number;
    }>(
      `SELECT reader_id, antenna, first_seen_us, last_seen_us, count FROM "${schema}".observations
        WHERE epc = $1 ORDER BY first_seen_us`,
      [epc],
    );
    for (const o of observations.rows)
      lines.push(`  seen ${s(o.first_seen_us)}–${s(o.last_seen_us)} ${o.reader_id}/${o.antenna} ×${o.count}`);
  }
  return lines.join('\n');
}
