import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { expect, onTestFinished } from 'vitest';
import { startNativeAdapter, type NativeAdapter } from '../../adapters/native/index.js';
import { createLogger } from '../../runtime/logger.js';
import { kafkaTopics } from '../../schemas/index.js';
import { LlrpReaderEmulator } from '../../simulators/llrp/index.js';
import { startPrivateMosquitto, type PrivateMosquitto } from '../helpers/private-mosquitto.js';
import { superviseBondtrack, type SupervisedProcess } from '../helpers/fault-supervisor.js';
import { uniqueName } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../integration/adapters/tcp-proxy.js';
import { readerTopic } from './reader-flood.js';

/** The demo site (seeds/demo-site.yaml), which every stage of the run uses. */
export const SITE_ID = 'WGQ-DEMO';
export const SITE_FILE = 'seeds/demo-site.yaml';

/** Options of the native adapter when the test runs it in its own process instead of a child. */
export interface InProcessAdapter {
  queueMaxBytes: number;
}

export interface FaultPipelineOptions {
  kafka: Kafka;
  kafkaBrokers: string[];
  databaseUrl: string;
  readerIds: readonly string[];
  /** Run the adapter inside the test process with these options (the CLI does not expose them). */
  inProcessAdapter?: InProcessAdapter;
  /** Fixed LLRP readers (emulators in the test process) and `bondtrack adapter llrp` instead. */
  llrp?: boolean;
  /** Run the bridge with `--plain-subscription` (what survives a Mosquitto 2.0 restart). */
  plainSubscription?: boolean;
}

/**
 * One Bondtrack deployment for one fault: readers publish to `sourceBroker`; the native adapter
 * (its own process, with an on-disk queue) turns their payloads into ReadBatches on `batchBroker`;
 * bridge, dedup and a locate + sink worker run as separate supervised processes on the private
 * Kafka; the sink writes to a schema of its own, its connections tagged with `applicationName`.
 */
export interface FaultPipeline {
  readonly prefix: string;
  readonly schema: string;
  readonly applicationName: string;
  readonly sourceBroker: PrivateMosquitto;
  readonly batchBroker: PrivateMosquitto;
  readonly queueDir: string;
  /** Undefined when the adapter runs in-process. */
  readonly adapter?: SupervisedProcess;
  readonly inProcessAdapter?: NativeAdapter;
  /** The in-process adapter reaches `batchBroker` through this forwarder: the network to cut. */
  readonly adapterLink?: TcpProxy;
  /** With `llrp`: the reader emulators, by reader id. */
  readonly llrpReaders: ReadonlyMap<string, LlrpReaderEmulator>;
  readonly bridge: SupervisedProcess;
  readonly dedup: SupervisedProcess;
  readonly worker: SupervisedProcess;
  processes(): SupervisedProcess[];
  /** Stop everything (SIGTERM), downstream last. */
  stop(): Promise<void>;
}

const RUNNING = /pipeline running/;

export async function startFaultPipeline(options: FaultPipelineOptions): Promise<FaultPipeline> {
  const prefix = uniqueName('fault');
  const schema = prefix;
  const applicationName = `bondtrack-${prefix}`;
  const sourceBroker = await startPrivateMosquitto();
  onTestFinished(() => sourceBroker.close());
  const batchBroker = await startPrivateMosquitto();
  onTestFinished(() => batchBroker.close());
  const queueDir = await mkdtemp(join(tmpdir(), 'bondtrack-fault-queue-'));
  onTestFinished(() => rm(queueDir, { recursive: true, force: true }));

  // One raw-reads partition, as in the exactly-once test: dedup then sees each reader's batches in
  // the order the bridge produced them (tests/integration/pipeline/exactly-once.test.ts).
  const reads = kafkaTopics(prefix).reads;
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    await admin
      .createTopics({
        topics: [{ topic: reads, numPartitions: 1, replicationFactor: 1 }],
        waitForLeaders: true,
      })
      // kafkajs' wait for leaders can fail on a busy broker; the poll below waits for the leader.
      .catch(async (err: unknown) => {
        if (!(await admin.listTopics()).includes(reads)) throw err;
      });
    // A loaded single-node broker may still answer "does not host this topic-partition" for a
    // moment after creating it: wait until the partition has a leader in the metadata.
    await expect
      .poll(
        () =>
          admin
            .fetchTopicMetadata({ topics: [reads] })
            .then((m) => (m.topics[0]?.partitions[0]?.leader ?? -1) >= 0)
            .catch(() => false),
        { timeout: 60_000, interval: 100 },
      )
      .toBe(true);
  } finally {
    await admin.disconnect();
  }

  const url = new URL(options.databaseUrl);
  // Connection-string parameters take precedence in pg: the sink's backends carry our name, so the
  // test can terminate exactly them (pg_terminate_backend) and nobody else's on the shared server.
  url.searchParams.set('application_name', applicationName);
  const common = [
    '--topic-prefix',
    prefix,
    '--kafka-brokers',
    options.kafkaBrokers.join(','),
    '--site',
    SITE_FILE,
  ];
  const stage = (name: string, stages: string[], extra: string[] = []) =>
    superviseBondtrack(name, ['pipeline', ...stages, ...common, ...extra], RUNNING);

  // Downstream first, one after the other (two sinks starting at once race on the site layout).
  const worker = stage(
    'locate+sink',
    ['locate', 'sink'],
    ['--database-url', url.toString(), '--schema', schema],
  );
  await worker.ready();
  const dedup = stage('dedup', ['dedup']);
  await dedup.ready();
  const bridge = stage(
    'bridge',
    ['bridge'],
    ['--mqtt-url', batchBroker.url, ...(options.plainSubscription ? ['--plain-subscription'] : [])],
  );
  await bridge.ready();

  const readerArgs = options.readerIds.flatMap((id) => [
    '--reader',
    `${id}=speedway-connect`,
    '--subscribe',
    `${id}=${readerTopic(id)}`,
  ]);
  let adapter: SupervisedProcess | undefined;
  let inProcessAdapter: NativeAdapter | undefined;
  let adapterLink: TcpProxy | undefined;
  const llrpReaders = new Map<string, LlrpReaderEmulator>();
  if (options.inProcessAdapter) {
    adapterLink = await startTcpProxy('127.0.0.1', Number(new URL(batchBroker.url).port));
    const logger = createLogger('fault-adapter');
    if (process.env['LOG_LEVEL'] === undefined) logger.level = 'warn';
    const started = await startNativeAdapter(
      {
        site: SITE_ID,
        mqttUrl: `mqtt://127.0.0.1:${adapterLink.port}`,
        sourceMqttUrl: sourceBroker.url,
        queueDir,
        queueMaxBytes: options.inProcessAdapter.queueMaxBytes,
        queueFullPolicy: 'block',
        readers: options.readerIds.map((id) => ({
          readerId: id,
          format: 'speedway-connect',
          topics: [readerTopic(id)],
        })),
      },
      { logger },
    );
    inProcessAdapter = started;
    onTestFinished(async () => {
      await started.stop();
    });
    await started.ready();
  } else if (options.llrp) {
    for (const id of options.readerIds) {
      const reader = new LlrpReaderEmulator({ readerId: id });
      await reader.start();
      onTestFinished(() => reader.stop());
      llrpReaders.set(id, reader);
    }
    adapter = superviseBondtrack(
      'adapter',
      [
        'adapter',
        'llrp',
        '--site',
        SITE_ID,
        '--mqtt-url',
        batchBroker.url,
        '--queue-dir',
        queueDir,
        ...[...llrpReaders.values()].flatMap((r) => ['--reader', r.address, '--reader-id', r.readerId]),
      ],
      /llrp adapter started/,
    );
    await adapter.ready();
    await expect
      .poll(() => [...llrpReaders.values()].every((r) => r.inventorying), { timeout: 60_000, interval: 50 })
      .toBe(true);
  } else {
    adapter = superviseBondtrack(
      'adapter',
      [
        'adapter',
        'native',
        '--site',
        SITE_ID,
        '--mqtt-url',
        batchBroker.url,
        '--source-mqtt-url',
        sourceBroker.url,
        '--queue-dir',
        queueDir,
        ...readerArgs,
      ],
      /subscribed to reader topics/,
    );
    await adapter.ready();
  }

  const processes = () =>
    [adapter, bridge, dedup, worker].filter((p): p is SupervisedProcess => p !== undefined);
  return {
    prefix,
    schema,
    applicationName,
    sourceBroker,
    batchBroker,
    queueDir,
    adapter,
    inProcessAdapter,
    adapterLink,
    llrpReaders,
    bridge,
    dedup,
    worker,
    processes,
    async stop() {
      if (adapter) await adapter.stop();
      if (inProcessAdapter) await inProcessAdapter.stop();
      for (const p of [bridge, dedup, worker]) await p.stop();
    },
  };
}
