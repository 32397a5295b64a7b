import { setTimeout as delay } from 'node:timers/promises';
import type { EmitTarget } from '../emit-targets.js';
import { LlrpEmulatorFleet } from './emulator-fleet.js';

export interface LlrpTargetOptions {
  readerIds: readonly string[];
  host?: string;
  /** Reader i listens on basePort + i; 0: free ports (see `fleet.describe()`). */
  basePort?: number;
  /**
   * At close, how long to wait for the readers' fields to drain while no read gets reported
   * (no adapter connected) before giving up. Default 30 000 ms.
   */
  drainStallMs?: number;
}

/**
 * `bondtrack simulate --emit-llrp HOST:PORT`: an emulated LLRP reader per site reader. A step's
 * reads go into the reader's field at once (the run never waits for the network); the readers
 * report them as soon as an adapter inventories, and close() waits until every field is empty, so
 * a run is lossless as long as an adapter reads it (or until `drainStallMs` without progress).
 */
export async function openLlrpTarget(
  options: LlrpTargetOptions,
): Promise<{ target: EmitTarget; fleet: LlrpEmulatorFleet }> {
  const fleet = await LlrpEmulatorFleet.start({
    readerIds: options.readerIds,
    ...(options.host === undefined ? {} : { host: options.host }),
    basePort: options.basePort ?? 0,
  });
  const stallMs = options.drainStallMs ?? 30_000;
  const fieldReads = (): number =>
    [...fleet.emulators.values()].reduce((sum, e) => sum + e.stats().fieldReads, 0);
  const target: EmitTarget = {
    send(readerId, reads) {
      fleet.inject(readerId, reads);
      return Promise.resolve();
    },
    async close() {
      let left = fieldReads();
      let lastProgressMs = performance.now();
      while (left > 0 && performance.now() - lastProgressMs < stallMs) {
        await delay(50);
        const now = fieldReads();
        if (now < left) lastProgressMs = performance.now();
        left = now;
      }
      await fleet.stop();
    },
  };
  return { target, fleet };
}
