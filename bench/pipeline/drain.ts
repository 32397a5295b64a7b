/** How one stage is watched while the pipeline drains after the load. */
export interface DrainProbe {
  name: string;
  /** Input not yet committed (or, for the bridge, not yet in Kafka). */
  lag(): Promise<number>;
  /**
   * Size of the stage's output, for a stage that may hold input uncommitted once idle: dedup commits
   * no further than its open windows, and an idle flush emits them without a commit until more input
   * comes. Such a stage has drained when neither its lag nor its output changed for `quietMs`.
   */
  output?(): Promise<number>;
}

export interface StageDrain {
  /** Input the stage had not committed when the load ended. */
  lagAtLoadEnd: number;
  /** Seconds after the load until the stage (and all upstream) had caught up; null: not within the timeout. */
  drainSec: number | null;
  /** Of which after the stage upstream of it had caught up: the stage's own share. */
  ownDrainSec: number | null;
  /** Lag at the end of the watch (for dedup: what its last open windows held). */
  lagAtEnd: number;
}

const POLL_MS = 250;
export const QUIET_MS = 6_000;
/** Nothing moved for this long anywhere: what is left will not arrive (e.g. the broker dropped it). */
const STALL_MS = 20_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Watch the stages (upstream first) until each has caught up or `timeoutMs` passes. A stage catches
 * up when its lag is zero, or (with an output probe) when lag and output stood still for `QUIET_MS`,
 * dated at their last change; never before the stage upstream of it. Gives up after `timeoutMs`, or
 * once nothing has moved for 20 s (a stage that stays behind then shows as not drained).
 */
export async function watchDrain(
  probes: DrainProbe[],
  timeoutMs: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ drain: Record<string, StageDrain>; drainedAtMs: number }> {
  const startMs = Date.now();
  const drain: Record<string, StageDrain> = {};
  const seen = new Map<string, { lag: number; output: number; changedMs: number; doneMs?: number }>();
  for (const p of probes) {
    const lag = await p.lag();
    drain[p.name] = { lagAtLoadEnd: lag, drainSec: null, ownDrainSec: null, lagAtEnd: lag };
    seen.set(p.name, { lag, output: p.output ? await p.output() : 0, changedMs: startMs });
  }
  let anyChangeMs = startMs;
  for (;;) {
    let upstreamDoneMs: number | undefined = startMs;
    let done = 0;
    for (const p of probes) {
      const s = seen.get(p.name)!;
      const d = drain[p.name]!;
      if (s.doneMs === undefined) {
        const now = Date.now();
        const lag = await p.lag();
        const output = p.output ? await p.output() : 0;
        if (lag !== s.lag || output !== s.output) {
          Object.assign(s, { lag, output, changedMs: now });
          anyChangeMs = now;
        }
        d.lagAtEnd = lag;
        if (upstreamDoneMs !== undefined) {
          if (lag === 0) s.doneMs = Math.max(now, upstreamDoneMs);
          else if (p.output && now - s.changedMs >= QUIET_MS)
            s.doneMs = Math.max(s.changedMs, upstreamDoneMs);
          if (s.doneMs !== undefined) {
            d.drainSec = (s.doneMs - startMs) / 1000;
            d.ownDrainSec = (s.doneMs - upstreamDoneMs) / 1000;
          }
        }
      }
      upstreamDoneMs = s.doneMs;
      if (s.doneMs !== undefined) done++;
    }
    onProgress?.(done, probes.length);
    const now = Date.now();
    if (done === probes.length || now - startMs > timeoutMs || now - anyChangeMs > STALL_MS) break;
    await delay(POLL_MS);
  }
  const doneTimes = [...seen.values()].map((s) => s.doneMs ?? Date.now());
  return { drain, drainedAtMs: Math.max(...doneTimes) };
}
