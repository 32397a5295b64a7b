/**
 * State-size benchmark (issue 5): heap bytes per tracked pallet of the locate + rules state (the
 * LocateOperator's per-pallet evidence, the PalletTimers and the locate stage's replay guard, the
 * newest window seen per reader/antenna), next to a bare `Map` of EPC → zone
 * built in the same run. The goal is at most 200 B per pallet.
 *
 *   node --expose-gc --max-old-space-size=8192 --import tsx bench/state-size.ts \
 *     [--pallets 1000000] [--windows 2] [--store columns|map]
 *
 * `--store columns` (default) is what the locate stage uses: both operators' state in one
 * `PalletColumns`; `--store map` the former layout, an object per pallet and operator in a
 * `MemoryStateStore` each (with its split between locate and timers; the seen windows in a Map).
 *
 * Each pallet gets `--windows` seconds of first-read observations (dedup's default output, one per
 * window) from two coverage antennas of one zone (so it is placed, with the evidence the 3 s window holds), as in a storage zone at steady state.
 * Heap (with the typed arrays' off-heap `arrayBuffers`) is measured after a full GC before and after
 * building each structure.
 */
import { parseArgs } from 'node:util';
import { LocateOperator, type PalletState } from '../pipeline/locate/locate-operator.js';
import type { SeenWindows } from '../pipeline/locate/locate-state.js';
import { PalletColumns } from '../pipeline/locate/pallet-columns.js';
import { PalletTimers, type PalletTimerState } from '../pipeline/rules/pallet-timers.js';
import { SiteIndex } from '../pipeline/site/site-index.js';
import { deterministicId } from '../runtime/ids.js';
import { loadSiteLayout, DEMO_SITE_FILE } from '../runtime/site-file.js';
import { MemoryStateStore, type StateStore } from '../runtime/state-store.js';
import type { Observation } from '../schemas/index.js';

const { values: args } = parseArgs({
  options: {
    pallets: { type: 'string', default: '1000000' },
    windows: { type: 'string', default: '2' },
    store: { type: 'string', default: 'columns' },
  },
});
if (args.store !== 'columns' && args.store !== 'map') throw new Error('--store is columns or map');
const pallets = Number(args.pallets);
const windows = Number(args.windows);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/state-size.ts');

const T0 = Date.UTC(2026, 0, 1) * 1000;
const S = 1_000_000;
const site = new SiteIndex(await loadSiteLayout(DEMO_SITE_FILE));
const coverage = site.layout.antennas.filter((a) => a.role === 'COVERAGE');
const zones = [...new Set(coverage.map((a) => a.zone))];

function epcOf(i: number): string {
  return `3000${i.toString(16).toUpperCase().padStart(20, '0')}`;
}

function heapUsed(): number {
  gc!();
  gc!();
  // Typed arrays' backing stores are off the JS heap (`arrayBuffers`): count them too.
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

// Baseline: the least a tracker can hold, EPC → zone (zone strings shared).
let before = heapUsed();
const bare = new Map<string, string>();
for (let i = 0; i < pallets; i++) bare.set(epcOf(i), zones[i % zones.length]!);
const bareBytes = (heapUsed() - before) / pallets;

before = heapUsed();
const columns = args.store === 'columns' ? new PalletColumns() : undefined;
const store: StateStore<PalletState> = columns?.locate ?? new MemoryStateStore<PalletState>();
const locate = new LocateOperator(site, store);
const timerStore: StateStore<PalletTimerState> = columns?.timers ?? new MemoryStateStore<PalletTimerState>();
const timers = new PalletTimers(site, timerStore);
const seenStore: StateStore<SeenWindows> = columns?.seen ?? new MemoryStateStore<SeenWindows>();
let placed = 0;
for (let i = 0; i < pallets; i++) {
  const epc = epcOf(i);
  const zone = zones[i % zones.length]!;
  const antennas = coverage.filter((a) => a.zone === zone).slice(0, 2);
  for (let w = 0; w < windows; w++) {
    for (const a of antennas) {
      const firstSeenUs = T0 + w * S + 100_000;
      const obs: Observation = {
        v: 1,
        // What dedup emits at once for each window (its first read), which locate weighs by default.
        id: deterministicId('first', a.reader, a.port, epc, T0 + w * S),
        site: site.site,
        epc,
        readerId: a.reader,
        antenna: a.port,
        zone,
        firstSeenUs,
        lastSeenUs: firstSeenUs,
        count: 1,
        maxRssiDbm: -55,
        meanRssiDbm: -55,
      };
      // The locate stage's replay guard (LocateStage.isReplayed): newest first read per antenna.
      const seen = seenStore.get(epc) ?? {};
      seen[`${obs.readerId}\u0000${obs.antenna}\u0000f`] = obs.lastSeenUs;
      seenStore.set(epc, seen);
      timers.seen(epc, site.site, 0, obs.lastSeenUs);
      for (const e of locate.ingest(obs)) {
        timers.onEvent(e);
        placed++;
      }
    }
  }
}
const stateBytes = (heapUsed() - before) / pallets;
// Attribute (map layout only: columns are allocated for both at once): drop the timers and measure
// what remains.
const timersBytes = columns
  ? undefined
  : (() => {
      const withBoth = heapUsed();
      for (const [epc] of [...timerStore.entries()]) timerStore.delete(epc);
      return (withBoth - heapUsed()) / pallets;
    })();

const out = {
  store: args.store,
  pallets,
  placed,
  tracked: store.size,
  bareMapBytesPerPallet: Math.round(bareBytes),
  stateBytesPerPallet: Math.round(stateBytes),
  ...(timersBytes === undefined
    ? {}
    : {
        timersBytesPerPallet: Math.round(timersBytes),
        locateBytesPerPallet: Math.round(stateBytes - timersBytes),
      }),
  ratioToBareMap: Math.round((stateBytes / bareBytes) * 100) / 100,
  goalBytesPerPallet: 200,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
// Keep both structures reachable until measured.
if (bare.size + store.size + seenStore.size < 0) process.stdout.write('unreachable\n');
