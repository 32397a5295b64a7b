import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import { startSerialAdapter } from '../../adapters/serial/index.js';
import { startPipeline } from '../../pipeline/pipeline.js';
import { systemClock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import { createLogger } from '../../runtime/logger.js';
import { observePipeline } from '../../pipeline/runtime/pipeline-metrics.js';
import { addOpsOptions, startOpsFromFlags, type OpsFlags } from '../ops-options.js';
import { kafkaTopics } from '../../schemas/index.js';
import { ensureKafka } from '../../services/kafka.js';
import { ensureSocat } from '../../services/socat.js';
import {
  SimulatedSerialReader,
  createSimulation,
  loadScenario,
  openReaderPtys,
  paceSimulation,
} from '../../simulators/index.js';
import {
  addConnectionOptions,
  configFromFlags,
  untilSignal,
  type ConnectionFlags,
} from '../connection-options.js';
import { queryStoredCounts, renderSummary, type StoredCounts } from '../demo-summary.js';

interface DemoFlags extends ConnectionFlags, OpsFlags {
  duration: string;
  speed: string;
  seed: string;
  pallets?: string;
  dataDir: string;
  embeddedMqttPort: string;
  embeddedDbPort: string;
  summary: boolean;
}

export function demoCommand(): Command {
  const command = new Command('demo')
    .summary('run the demo bonded zone end to end on embedded defaults (what `npm start` runs)')
    .description(
      'Run the demo bonded zone end to end: simulated readers on serial pseudo-terminals → serial adapter → ' +
        'MQTT → bridge → Kafka → dedup → locate + rules → sink → database, with a live summary. Without ' +
        'MQTT_URL it starts an embedded MQTT broker; without DATABASE_URL it serves PGlite with TimescaleDB ' +
        'on a local port. Kafka comes from `bondtrack services` (started if needed). Ctrl-C stops it.',
    )
    .addOption(
      new Option('--duration <seconds>', 'simulated seconds to run (default: until Ctrl-C)').default('0'),
    )
    .addOption(new Option('--speed <x>', 'simulated seconds per real second').default('1'))
    .addOption(new Option('--seed <n>', 'simulator seed: same seed, same story').default('1'))
    .addOption(new Option('--pallets <n>', 'simulate only the first N pallets of the manifest'))
    .addOption(
      new Option('--data-dir <dir>', 'where the embedded database and the pseudo-terminals live').default(
        '.data',
      ),
    )
    .addOption(new Option('--embedded-mqtt-port <port>', 'port of the embedded MQTT broker').default('18830'))
    .addOption(new Option('--embedded-db-port <port>', 'port of the embedded PGlite server').default('55432'))
    .addOption(new Option('--no-summary', 'print log lines instead of the live summary'));
  addConnectionOptions(command, { kafka: true });
  addOpsOptions(command);
  command.action(async (flags: DemoFlags) => {
    const config = await configFromFlags(flags);
    const log = createLogger('demo');
    const cleanups: Array<() => Promise<unknown>> = [];
    const say = (text: string) => process.stderr.write(`${text}\n`);
    try {
      const ops = await startOpsFromFlags(flags, log, { 'demo started': () => false });
      if (ops) cleanups.push(() => ops.close());
      await ensureSocat();
      say('bondtrack demo: making Kafka available (the first run fetches it from Maven Central)…');
      // Brokers named by flag or environment are only checked; otherwise our own broker runs.
      const external = flags.kafkaBrokers !== undefined || process.env['KAFKA_BROKERS'] !== undefined;
      const kafka = await ensureKafka({
        ...(external ? { externalBrokers: config.kafkaBrokers } : {}),
        progress: say,
      });
      const dataDir = resolve(flags.dataDir);
      await mkdir(dataDir, { recursive: true });

      let mqttUrl = config.mqttUrl;
      if (!mqttUrl) {
        // Loaded only when used: the embedded services pull in WASM and a broker the rest never needs.
        const { startEmbeddedMqtt } = await import('../../services/embedded-mqtt.js');
        const broker = await startEmbeddedMqtt({ port: Number(flags.embeddedMqttPort) });
        cleanups.push(() => broker.close());
        mqttUrl = broker.url;
        say(`embedded MQTT broker (aedes) on ${mqttUrl}`);
      }
      let databaseUrl = config.databaseUrl;
      if (!databaseUrl) {
        const { startEmbeddedPostgres } = await import('../../services/embedded-postgres.js');
        const db = await startEmbeddedPostgres({
          dataDir: join(dataDir, 'pglite'),
          port: Number(flags.embeddedDbPort),
        });
        cleanups.push(() => db.close());
        databaseUrl = db.url;
        say(
          `embedded PostgreSQL (PGlite + TimescaleDB) on ${databaseUrl}, data in ${join(dataDir, 'pglite')}`,
        );
      }

      const scenario = await loadScenario({ siteFile: config.siteFile });
      const site = scenario.site;
      const embeddedDb = !config.databaseUrl;
      const pipeline = await startPipeline({
        stages: ['bridge', 'dedup', 'locate', 'sink'],
        kafkaBrokers: kafka.brokers,
        topicPrefix: config.topicPrefix,
        site,
        manifest: scenario.manifest,
        mqttUrl,
        databaseUrl,
        databaseSchema: config.databaseSchema,
        // PGlite runs one query at a time: one connection is all it can use.
        databasePoolSize: embeddedDb ? 1 : 4,
        // PGlite runs single-user, without PostgreSQL's WAL writer process: an asynchronous commit's
        // flush would wait for the next synchronous one.
        databaseSynchronousCommit: embeddedDb,
        bridge: config.mqttUrl ? {} : { shareGroup: null, connections: 1 },
        log: log.child({ component: 'pipeline' }),
      });
      cleanups.push(() => pipeline.stop());

      const ptys = await openReaderPtys(
        join(dataDir, 'ports'),
        site.readers.map((r) => r.id),
      );
      cleanups.push(() => ptys.close());
      const adapter = startSerialAdapter(
        {
          site: site.site,
          mqttUrl,
          ports: site.readers.map((r) => ({ path: ptys.pairs.get(r.id)!.adapterPath, readerId: r.id })),
        },
        { logger: log.child({ component: 'adapter' }) },
      );
      cleanups.push(() => adapter.stop());
      if (ops) {
        const observed = await observePipeline(pipeline, log);
        cleanups.push(() => observed.stop());
        ops.setReadiness({
          'demo started': () => true,
          ...observed.readiness,
          'adapter connected to MQTT': () => adapter.stats().publisher.connected,
        });
      }

      const producer = pipeline.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      cleanups.push(() => producer.disconnect());
      const customsTopic = kafkaTopics(config.topicPrefix).customs;

      const simulation = createSimulation({
        site,
        manifest: scenario.manifest,
        customs: scenario.customs,
        schedule: scenario.schedule,
        seed: Number(flags.seed),
        startUs: Math.floor(systemClock.nowUs() / 1000) * 1000, // the simulator works in whole ms
        profile: 'demo',
        palletCount: flags.pallets === undefined ? undefined : Number(flags.pallets),
        truthFile: join(dataDir, 'truth.jsonl'),
      });
      const writers = new Map<string, SimulatedSerialReader>();
      for (const [id, pair] of ptys.pairs)
        writers.set(id, await SimulatedSerialReader.open({ path: pair.readerPath }));
      cleanups.push(async () => {
        await Promise.all([...writers.values()].map((w) => w.close()));
        simulation.close();
      });

      say(`\nGrafana: add a PostgreSQL data source with ${databaseUrl} (schema ${config.databaseSchema}).`);
      say(`Ground truth: ${join(dataDir, 'truth.jsonl')}. Ctrl-C stops the demo.\n`);

      const abort = new AbortController();
      void untilSignal().then(() => abort.abort());
      const summaryPool = new pg.Pool({
        connectionString: databaseUrl,
        max: 1,
        options: `-c search_path=${config.databaseSchema}`,
      });
      cleanups.push(() => summaryPool.end());
      const started = performance.now();
      let readsTotal = 0;
      let lastReads = 0;
      let lastAt = started;
      let stored: StoredCounts | undefined;
      const interactive = flags.summary && process.stdout.isTTY;
      const timer = setInterval(
        () => {
          const now = performance.now();
          const rate = ((readsTotal - lastReads) * 1000) / Math.max(1, now - lastAt);
          lastReads = readsTotal;
          lastAt = now;
          queryStoredCounts(summaryPool).then(
            (counts) => (stored = counts),
            (err: unknown) =>
              log.debug({ err: describeError(err) }, 'summary query failed (tables not created yet?)'),
          );
          const text = renderSummary(
            {
              elapsedSec: (now - started) / 1000,
              readsPerSec: rate,
              readsTotal,
              truth: simulation.occupancy(),
              zones: site.zones,
            },
            stored,
          );
          if (interactive) process.stdout.write(`\x1b[H\x1b[2J${text}\n`);
          else process.stdout.write(`${text}\n\n`);
        },
        interactive ? 1_000 : 5_000,
      );
      cleanups.push(() => Promise.resolve(clearInterval(timer)));

      let customsSent = 0;
      const duration = Number(flags.duration);
      await paceSimulation(
        simulation,
        { durationSec: duration > 0 ? duration : Infinity, speed: Number(flags.speed), signal: abort.signal },
        async (reads, nowUs) => {
          const byReader = new Map<string, typeof reads>();
          for (const r of reads) {
            const list = byReader.get(r.readerId);
            if (list) list.push(r);
            else byReader.set(r.readerId, [r]);
          }
          await Promise.all(
            [...byReader].map(([id, list]) => writers.get(id)!.writeReads(list.map((r) => r.read))),
          );
          readsTotal += reads.length;
          const due = [];
          while (customsSent < simulation.customs.length && simulation.customs[customsSent]!.atUs <= nowUs) {
            due.push(simulation.customs[customsSent]!);
            customsSent++;
          }
          if (due.length > 0) {
            await producer.send({
              topic: customsTopic,
              messages: due.map((c) => ({ key: c.epc ?? c.sscc ?? '', value: JSON.stringify(c) })),
            });
          }
        },
      );
      say('\nbondtrack demo: stopping…');
    } finally {
      for (const cleanup of cleanups.reverse()) {
        await cleanup().catch((err: unknown) => log.warn({ err: describeError(err) }, 'cleanup failed'));
      }
    }
  });
  return command;
}
