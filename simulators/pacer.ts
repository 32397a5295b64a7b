import { setTimeout as delay } from 'node:timers/promises';
import type { SimulatedRead, Simulation } from './simulation.js';

export interface PaceOptions {
  /** Virtual seconds to run. `Infinity` runs until `signal` aborts. */
  durationSec: number;
  /** Virtual seconds per real second; 0 runs as fast as the consumer takes the reads. Default 1. */
  speed?: number;
  /** How often (real ms) a paced run advances the simulation. Default 50. */
  tickMs?: number;
  /** Virtual step of a run at speed 0, ms. Default 1000. */
  fastStepMs?: number;
  /** Stops the run after the current step. */
  signal?: AbortSignal;
}

/**
 * Advance `simulation` in step with the wall clock × `speed` and hand each step's reads to
 * `consume` (awaited: a slow consumer slows the run, which then catches up in larger steps).
 * Returns true when the run was aborted before `durationSec`.
 */
export async function paceSimulation(
  simulation: Simulation,
  options: PaceOptions,
  consume: (reads: SimulatedRead[], nowUs: number) => Promise<void>,
): Promise<boolean> {
  const speed = options.speed ?? 1;
  if (!(speed >= 0) || speed === Infinity) throw new RangeError(`speed must be ≥ 0 and finite, got ${speed}`);
  if (!(options.durationSec > 0)) throw new RangeError(`durationSec must be > 0, got ${options.durationSec}`);
  const tickMs = options.tickMs ?? 50;
  const fastStepUs = (options.fastStepMs ?? 1000) * 1000;
  const startUs = simulation.nowUs;
  const endUs =
    options.durationSec === Infinity ? Infinity : startUs + Math.round(options.durationSec * 1_000_000);
  const realStartMs = performance.now();

  while (simulation.nowUs < endUs) {
    if (options.signal?.aborted) return true;
    const targetUs =
      speed === 0
        ? Math.min(endUs, simulation.nowUs + fastStepUs)
        : Math.min(endUs, startUs + Math.floor((performance.now() - realStartMs) * speed) * 1000);
    if (targetUs > simulation.nowUs) await consume(simulation.advance(targetUs), simulation.nowUs);
    // Paced runs wait for the next tick; fast runs still yield so that I/O callbacks run.
    if (simulation.nowUs < endUs) await delay(speed === 0 ? 0 : tickMs);
  }
  return false;
}
