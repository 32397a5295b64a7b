import { setTimeout as delay } from 'node:timers/promises';
import type { TagRead } from '../schemas/index.js';
import { paceSimulation, type PaceOptions } from './pacer.js';
import type { PtyPair } from './pty-pair.js';
import { ReaderPort, type Backpressure } from './reader-port.js';
import {
  createSimulation,
  type SimulatedRead,
  type Simulation,
  type SimulationOptions,
} from './simulation.js';
import type { TruthEvent } from './truth.js';

export interface SerialRunProgress {
  /** Virtual time reached. */
  nowUs: number;
  /** The reads of this step: written (wait) or queued (drop) to their ports. */
  reads: readonly SimulatedRead[];
  /** Reads written so far, by reader id. */
  readsWritten: Readonly<Record<string, number>>;
}

export interface RunSimulatorToSerialOptions extends PaceOptions {
  /** A simulation to drive, or the options to create one (closed again at the end). */
  simulation: Simulation | SimulationOptions;
  /**
   * Where each reader writes: a pty pair (its `readerPath` is used) or a device path, by reader id.
   * Reads of readers without a port are counted in `readsSkipped` and dropped.
   */
  ports: ReadonlyMap<string, PtyPair | string> | Readonly<Record<string, PtyPair | string>>;
  /** Default `wait` (lossless, for tests). The CLI's serial links use `drop`. See Backpressure. */
  backpressure?: Backpressure;
  /** Per reader, in `drop` mode. Default 100 000 reads. */
  maxQueuedReads?: number;
  /** In `drop` mode, how long the end of a run waits for queues to drain while they make no progress. Default 2000. */
  flushStallMs?: number;
  /**
   * Called after every step; awaited, so a caller can publish the customs decisions that are due
   * (`simulation.customs`) in step with the reads.
   */
  onStep?: (progress: SerialRunProgress) => void | Promise<void>;
}

export interface SerialRunSummary {
  startUs: number;
  /** Virtual time reached. */
  endUs: number;
  readsWritten: Record<string, number>;
  /** Reads lost to full queues (drop mode) or to the end of the run, by reader id. */
  readsDropped: Record<string, number>;
  /** Reads of readers that had no port. */
  readsSkipped: number;
  /** Ground truth of the run up to `endUs`. */
  truth: readonly TruthEvent[];
  aborted: boolean;
}

/**
 * Drive a simulation in real time × `speed` and write every reader's reads, as jsonl lines, to its
 * serial port (usually the reader end of a pty pair whose other end an adapter reads). Virtual
 * time is what the reads carry; pacing only decides when they are written. In `wait` mode a port
 * that does not keep up holds the run, which then catches up in larger steps. Aborting closes the
 * ports, which also frees a run held by a port nobody reads.
 */
export async function runSimulatorToSerial(options: RunSimulatorToSerialOptions): Promise<SerialRunSummary> {
  const ownSimulation = !isSimulation(options.simulation);
  const simulation = isSimulation(options.simulation)
    ? options.simulation
    : createSimulation(options.simulation);
  const backpressure = options.backpressure ?? 'wait';
  const startUs = simulation.nowUs;
  const ports = new Map<string, ReaderPort>();
  const readsWritten: Record<string, number> = {};
  let readsSkipped = 0;
  let aborted = false;
  const closeAll = (): Promise<void[]> => Promise.all([...ports.values()].map((p) => p.close()));
  const onAbort = (): void => void closeAll();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const [readerId, port] of portEntries(options.ports)) {
      const path = typeof port === 'string' ? port : port.readerPath;
      ports.set(readerId, await ReaderPort.open(readerId, path, options.maxQueuedReads ?? 100_000));
    }
    const counts = (): Record<string, number> => {
      for (const [id, port] of ports) readsWritten[id] = port.written;
      return readsWritten;
    };
    aborted = await paceSimulation(simulation, options, async (reads, nowUs) => {
      const byReader = new Map<string, TagRead[]>();
      for (const { readerId, read } of reads) {
        if (!ports.has(readerId)) {
          readsSkipped++;
          continue;
        }
        const list = byReader.get(readerId);
        if (list) list.push(read);
        else byReader.set(readerId, [read]);
      }
      if (backpressure === 'wait') {
        await Promise.all([...byReader].map(([readerId, list]) => ports.get(readerId)!.write(list)));
      } else {
        for (const [readerId, list] of byReader) ports.get(readerId)!.enqueue(list);
      }
      await options.onStep?.({ nowUs, reads, readsWritten: counts() });
    });
    if (!aborted && backpressure === 'drop')
      await flushWhileProgressing([...ports.values()], options.flushStallMs ?? 2000);
  } catch (err) {
    // A write cut short by an abort is the abort, not a failure.
    if (!options.signal?.aborted) throw err;
    aborted = true;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await closeAll();
    if (ownSimulation) simulation.close();
  }
  const readsDropped: Record<string, number> = {};
  for (const [id, port] of ports) {
    readsWritten[id] = port.written;
    readsDropped[id] = port.dropped;
  }
  return {
    startUs,
    endUs: simulation.nowUs,
    readsWritten,
    readsDropped,
    readsSkipped,
    truth: simulation.truth,
    aborted,
  };
}

/** Wait for the queues to drain, giving up on ports that make no progress for `stallMs`. */
async function flushWhileProgressing(ports: ReaderPort[], stallMs: number): Promise<void> {
  let last = ports.map((p) => p.written);
  while (ports.some((p) => p.backlog > 0)) {
    const flushed = Promise.all(ports.map((p) => p.flushed()));
    const timer = new AbortController();
    const stalled = delay(stallMs, 'stalled' as const, { signal: timer.signal }).catch(
      () => 'flushed' as const,
    );
    const outcome = await Promise.race([flushed.then(() => 'flushed' as const), stalled]);
    timer.abort();
    if (outcome === 'flushed') return;
    const now = ports.map((p) => p.written);
    if (now.every((n, i) => n === last[i])) return;
    last = now;
  }
}

function portEntries(ports: RunSimulatorToSerialOptions['ports']): Array<[string, PtyPair | string]> {
  if (ports instanceof Map) return [...(ports as ReadonlyMap<string, PtyPair | string>)];
  return Object.entries(ports as Readonly<Record<string, PtyPair | string>>);
}

function isSimulation(value: Simulation | SimulationOptions): value is Simulation {
  return typeof (value as Simulation).advance === 'function';
}
