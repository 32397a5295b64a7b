/**
 * K-way merge of ordered sources by a time: repeatedly take, of the sources' heads, the one with the
 * earliest time (ties: the lower source index). Only heads are ever taken, so each source's own
 * order is kept whatever the times say — an item out of time order in its source (a reader's
 * disk-queue backlog sent late) stays where it was there, it does not overtake its predecessors.
 *
 * `timeOf` may return `undefined` (an item with no readable time, e.g. a record dead-lettered
 * downstream): it then counts as due at once, so it follows its predecessor directly.
 *
 * Pure: the result is a new array; the inputs are not touched. `timeOf` is called once per item;
 * the scan over heads is O(k) per item, fine for the few dozen partitions a topic has.
 */
export function mergeByTime<T>(
  sources: ReadonlyArray<readonly T[]>,
  timeOf: (item: T) => number | undefined,
): T[] {
  // Each item's time once: `timeOf` may be costly (decoding a record).
  const times = sources.map((s) => s.map((item) => timeOf(item) ?? -Infinity));
  const next = sources.map(() => 0);
  const total = sources.reduce((n, s) => n + s.length, 0);
  const out: T[] = [];
  while (out.length < total) {
    let best = -1;
    let bestTime = Infinity;
    for (let i = 0; i < sources.length; i++) {
      if (next[i]! >= sources[i]!.length) continue;
      const time = times[i]![next[i]!]!;
      if (best < 0 || time < bestTime) {
        best = i;
        bestTime = time;
      }
    }
    out.push(sources[best]![next[best]!]!);
    next[best]!++;
  }
  return out;
}
