/**
 * State-size benchmark (issue 5): heap bytes per tracked pallet of the locate + rules state (the
 * LocateOperator's per-pallet evidence and the PalletTimers), next to a bare `Map` of EPC → zone
 * built in the same run. The goal is at most 200 B per pallet.
 *
 *   node --expose-gc --import tsx bench/state-size.ts [--pallets 1000000] [--windows 2]
 *
 * Each pallet gets `--windows` seconds of first-read observations (dedup's default output, one per
 * window) from two coverage antennas of one zone (so it is placed, with the evidence the 3 s window holds), as in a storage zone at steady state.
 * Heap is measured after a full GC before and after building each structure.
 */
import { parseArgs } from 'node:util';
import { LocateOperator, type PalletState } from '../pipeline/locate/locate-operator.js';
import { PalletTimers, type PalletTimerState } from '../pipeline/rules/pallet-timers.js';
import { SiteIndex } from '../pipeline/site/site-index.js';
import { deterministicId } from '../runtime/ids.js';
import { loadSiteLayout, DEMO_SITE_FILE } from '../runtime/site-file.js';
import { MemoryStateStore } from '../runtime/state-store.js';
import type { Observation } from '../schemas/index.js';

const { values: args } = parseArgs({
  options: { pallets: { type: 'string', default: '1000000' }, windows: { type: 'string', default: '2' } },
});
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
  return process.memoryUsage().heapUsed;
}

// Baseline: the least a tracker can hold, EPC → zone (zone strings shared).
let before = heapUsed();
const bare = new Map<string, string>();
for (let i = 0; i < pallets; i++) bare.set(epcOf(i), zones[i % zones.length]!);
const bareBytes = (heapUsed() - before) / pallets;

before = heapUsed();
const store = new MemoryStateStore<PalletState>();
const locate = new LocateOperator(site, store);
const timerStore = new MemoryStateStore<PalletTimerState>();
const timers = new PalletTimers(site, timerStore);
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
      timers.seen(epc, site.site, 0, obs.lastSeenUs);
      for (const e of locate.ingest(obs)) {
        timers.onEvent(e);
        placed++;
      }
    }
  }
}
const stateBytes = (heapUsed() - before) / pallets;
const locateOnly = (() => {
  // Attribute: drop the timers and measure what remains.
  const withBoth = heapUsed();
  for (const [epc] of [...timerStore.entries()]) timerStore.delete(epc);
  return { timersBytes: (withBoth - heapUsed()) / pallets };
})();

const out = {
  pallets,
  placed,
  bareMapBytesPerPallet: Math.round(bareBytes),
  stateBytesPerPallet: Math.round(stateBytes),
  timersBytesPerPallet: Math.round(locateOnly.timersBytes),
  locateBytesPerPallet: Math.round(stateBytes - locateOnly.timersBytes),
  ratioToBareMap: Math.round((stateBytes / bareBytes) * 100) / 100,
  goalBytesPerPallet: 200,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
// Keep both structures reachable until measured.
if (bare.size + store.size < 0) process.stdout.write('unreachable\n');
