import type { TagRead } from '../schemas/index.js';
import { paceSimulation, type PaceOptions } from './pacer.js';
import type { PtyPair } from './pty-pair.js';
import { SimulatedSerialReader } from './serial-reader.js';
import { createSimulation, type SimulatedRead, type Simulation, type SimulationOptions } from './simulation.js';
import type { TruthEvent } from './truth.js';

export interface SerialRunProgress {
  /** Virtual time reached. */
  nowUs: number;
  /** The reads of this step, already written to their ports. */
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
  /**
   * Called after every step, once its reads are written; awaited, so a caller can publish the
   * customs decisions that are due (`simulation.customs`) in step with the reads.
   */
  onStep?: (progress: SerialRunProgress) => void | Promise<void>;
}

export interface SerialRunSummary {
  startUs: number;
  /** Virtual time reached. */
  endUs: number;
  readsWritten: Record<string, number>;
  readsSkipped: number;
  /** Ground truth of the run up to `endUs`. */
  truth: readonly TruthEvent[];
  aborted: boolean;
}

/**
 * Drive a simulation in real time × `speed` and write every reader's reads, as jsonl lines, to its
 * serial port (usually the reader end of a pty pair whose other end an adapter reads). Virtual
 * time is what the reads carry; pacing only decides when they are written. When a port holds the
 * writer (nobody reads the other end), the run falls behind and catches up in larger steps.
 */
export async function runSimulatorToSerial(options: RunSimulatorToSerialOptions): Promise<SerialRunSummary> {
  const ownSimulation = !isSimulation(options.simulation);
  const simulation = isSimulation(options.simulation) ? options.simulation : createSimulation(options.simulation);
  const startUs = simulation.nowUs;
  const entries = portEntries(options.ports);
  const writers = new Map<string, SimulatedSerialReader>();
  const readsWritten: Record<string, number> = {};
  let readsSkipped = 0;
  let aborted = false;
  try {
    for (const [readerId, port] of entries) {
      const path = typeof port === 'string' ? port : port.readerPath;
      writers.set(readerId, await SimulatedSerialReader.open({ path }));
      readsWritten[readerId] = 0;
    }
    aborted = await paceSimulation(simulation, options, async (reads, nowUs) => {
      const byReader = new Map<string, TagRead[]>();
      for (const { readerId, read } of reads) {
        if (!writers.has(readerId)) {
          readsSkipped++;
          continue;
        }
        const list = byReader.get(readerId);
        if (list) list.push(read);
        else byReader.set(readerId, [read]);
      }
      await Promise.all(
        [...byReader].map(async ([readerId, list]) => {
          await writers.get(readerId)!.writeReads(list);
          readsWritten[readerId]! += list.length;
        }),
      );
      await options.onStep?.({ nowUs, reads, readsWritten });
    });
  } finally {
    await Promise.all([...writers.values()].map((w) => w.close()));
    if (ownSimulation) simulation.close();
  }
  return { startUs, endUs: simulation.nowUs, readsWritten, readsSkipped, truth: simulation.truth, aborted };
}

function portEntries(ports: RunSimulatorToSerialOptions['ports']): Array<[string, PtyPair | string]> {
  if (ports instanceof Map) return [...(ports as ReadonlyMap<string, PtyPair | string>)];
  return Object.entries(ports as Readonly<Record<string, PtyPair | string>>);
}

function isSimulation(value: Simulation | SimulationOptions): value is Simulation {
  return typeof (value as Simulation).advance === 'function';
}
