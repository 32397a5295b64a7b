import { spawn } from 'node:child_process';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { describeError } from '../runtime/errors.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { javaBaseArgs } from './kafka-config.js';
import type { KafkaLayout } from './kafka-options.js';
import { isProcessRunning, stopProcess, type StopOutcome } from './process-control.js';
import { lastLines } from './run-command.js';

/** What the pid file records about the broker we started. */
export interface BrokerRecord {
  pid: number;
  port: number;
  controllerPort: number;
  dataDir: string;
  version: string;
  startedAt: string;
}

/**
 * Strings the broker's command line must contain for a pid to count as ours. The absolute path of
 * our server.properties tells our broker apart from any other Kafka on the machine (another
 * engineer's dev broker runs the same main class).
 */
function brokerMarkers(layout: KafkaLayout): string[] {
  return ['kafka.Kafka', layout.serverProperties];
}

export async function readBrokerRecord(layout: KafkaLayout): Promise<BrokerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(layout.pidFile, 'utf8')) as Partial<BrokerRecord>;
    return typeof record.pid === 'number' && typeof record.port === 'number'
      ? (record as BrokerRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The broker we started, if its process is still alive. */
export async function runningBroker(layout: KafkaLayout): Promise<BrokerRecord | undefined> {
  const record = await readBrokerRecord(layout);
  if (record && (await isBrokerProcess(layout, record.pid))) return record;
  return undefined;
}

export function isBrokerProcess(layout: KafkaLayout, pid: number): Promise<boolean> {
  return isProcessRunning(pid, brokerMarkers(layout));
}

export interface LaunchedBroker {
  pid: number;
  /** Set once the process exits (only observable while this process lives). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Start the broker detached: its own session, output to broker.log, not waited for, so it outlives
 * `bondtrack services up` and the test run that started it. The previous log is kept as broker.log.1.
 */
export async function launchBroker(layout: KafkaLayout): Promise<LaunchedBroker> {
  await rename(layout.logFile, `${layout.logFile}.1`).catch(() => undefined);
  const log = await open(layout.logFile, 'a');
  const heap = [`-Xms${Math.min(256, layout.heapMb)}m`, `-Xmx${layout.heapMb}m`];
  const jvm = [
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
  ];
  const args = [...heap, ...jvm, ...javaBaseArgs(layout), 'kafka.Kafka', layout.serverProperties];
  const child = spawn('java', args, {
    cwd: layout.cacheDir,
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ServiceError(
      missing ? ServiceErrorCodes.COMMAND_MISSING : ServiceErrorCodes.COMMAND_FAILED,
      'kafka',
      missing
        ? 'java is not installed (not found on PATH); Kafka 4 needs Java 17 or newer'
        : `cannot start java: ${describeError(err)}`,
      { cause: err },
    );
  } finally {
    await log.close();
  }
  child.on('error', () => undefined); // later kill() failures are handled through the pid file
  child.unref();
  const pid = child.pid;
  if (pid === undefined)
    throw new ServiceError(ServiceErrorCodes.COMMAND_FAILED, 'kafka', 'java started without a pid');
  const launched: LaunchedBroker = { pid, exit: undefined };
  child.once('exit', (code, signal) => {
    launched.exit = { code, signal };
  });
  const record: BrokerRecord = {
    pid,
    port: layout.port,
    controllerPort: layout.controllerPort,
    dataDir: layout.dataDir,
    version: layout.version,
    startedAt: new Date().toISOString(),
  };
  await writeFile(layout.pidFile, `${JSON.stringify(record)}\n`);
  return launched;
}

/** SIGTERM our broker (SIGKILL after `graceMs`) and forget its pid file. */
export async function stopBroker(layout: KafkaLayout, pid: number, graceMs = 30_000): Promise<StopOutcome> {
  const outcome = await stopProcess(pid, brokerMarkers(layout), graceMs);
  await forgetBroker(layout);
  return outcome;
}

export async function forgetBroker(layout: KafkaLayout): Promise<void> {
  await rm(layout.pidFile, { force: true });
}

/** The end of broker.log, for error messages that should say why the broker is not healthy. */
export async function brokerLogTail(layout: KafkaLayout, lines = 25): Promise<string> {
  try {
    const handle = await open(layout.logFile, 'r');
    let text: string;
    try {
      // Only the end: a broker that ran for days may have a large log.
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const { buffer } = await handle.read({ buffer: Buffer.alloc(length), position: size - length });
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
    const tail = lastLines(text, lines);
    return tail === '' ? `(${layout.logFile} is empty)` : `last lines of ${layout.logFile}:\n${tail}`;
  } catch {
    return `(no log at ${layout.logFile})`;
  }
}
