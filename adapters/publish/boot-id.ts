import { randomBytes } from 'node:crypto';
import type { Clock } from '../../runtime/clock.js';

/**
 * An id for this process start, e.g. `mifx2k3a-9f3c1e`: start time in ms (base 36, so ids sort by
 * start time) and 24 random bits (two adapters started in the same millisecond still differ).
 * It goes into every batchId, so it must not contain `:`; it stays the same for every retry of a
 * batch, which is what lets the bridge drop replays.
 */
export function createBootId(clock: Clock): string {
  const startMs = Math.floor(clock.nowUs() / 1000);
  return `${startMs.toString(36)}-${randomBytes(3).toString('hex')}`;
}
