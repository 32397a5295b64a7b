import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStorageOnce, writeKafkaConfig } from '../../services/kafka-config.js';
import { probeKafka } from '../../services/kafka-health.js';
import {
  brokerAddress,
  DEFAULT_KAFKA_CACHE_DIR,
  resolveKafkaLayout,
  type KafkaLayout,
} from '../../services/kafka-options.js';
import { brokerLogTail, launchBroker, type LaunchedBroker } from '../../services/kafka-process.js';
import { freePort } from './ports.js';

/**
 * A Kafka broker the fault suite owns: its own temp dir (config, KRaft data, log, pid file) and
 * free ports, the jars of the shared `.cache/kafka` reused through a symlink, so it can be
 * SIGKILLed and restarted mid-flood without touching the shared broker on 9092 that other tests
 * and engineers use. Built from the same pieces as `bondtrack services up` (services/kafka*.ts).
 */
export interface PrivateKafka {
  readonly brokers: string[];
  readonly logFile: string;
  /** SIGKILL the broker: no controlled shutdown, no flush, as when the host dies. */
  kill(): Promise<void>;
  /** Start it again on the same data dir and ports; resolves once it can create a topic. */
  start(): Promise<void>;
  /** Kill it for good and delete its dir. */
  close(): Promise<void>;
}

interface Running {
  broker: LaunchedBroker;
  exited: Promise<void>;
}

export async function startPrivateKafka(options: { startTimeoutMs?: number } = {}): Promise<PrivateKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-fault-kafka-'));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const shared = resolveKafkaLayout({ cacheDir: DEFAULT_KAFKA_CACHE_DIR });
  const layout: KafkaLayout = resolveKafkaLayout({
    cacheDir: dir,
    port,
    controllerPort,
    saslPort: false,
    heapMb: 384,
    version: shared.version,
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
  });
  // The jars `services up` fetched (global setup ran it): link them rather than fetch again.
  await symlink(shared.versionDir, layout.versionDir);
  await mkdir(layout.dataDir, { recursive: true });
  await writeKafkaConfig(layout);
  await formatStorageOnce(layout, () => undefined);

  let running: Running | undefined;
  const address = brokerAddress(layout);

  const start = async (): Promise<void> => {
    const broker = await launchBroker(layout);
    const exited = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (broker.exit !== undefined || !isAlive(broker.pid)) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    running = { broker, exited };
    const deadline = Date.now() + layout.startTimeoutMs;
    for (;;) {
      if (broker.exit !== undefined)
        throw new Error(`private kafka exited while starting; ${await brokerLogTail(layout)}`);
      try {
        await probeKafka([address], { timeoutMs: 10_000 });
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(
            `private kafka not healthy at ${address}: ${String(err)}; ${await brokerLogTail(layout)}`,
          );
      }
      await new Promise((resolve) => setTimeout(resolve, 250)); // poll interval
    }
  };

  const kill = async (): Promise<void> => {
    const current = running;
    running = undefined;
    if (current === undefined) return;
    try {
      process.kill(current.broker.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await current.exited;
  };

  // The broker is detached (it outlives `services up` by design); make sure ours dies with us.
  const onExit = () => {
    if (running !== undefined) {
      try {
        process.kill(running.broker.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', onExit);

  await start();
  return {
    brokers: [address],
    logFile: layout.logFile,
    kill,
    start,
    async close() {
      await kill();
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
