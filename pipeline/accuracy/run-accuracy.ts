import { ManualClock } from '../../runtime/clock.js';
import { MemoryStateStore } from '../../runtime/state-store.js';
import type { Alert, ReadBatch, ZoneEvent } from '../../schemas/index.js';
import {
  createSimulation,
  type Scenario,
  type SimulatedRead,
  type Simulation,
} from '../../simulators/index.js';
import { DedupOperator, type DedupOptions, type ReaderWindows } from '../dedup/dedup-operator.js';
import { LocateOperator, type LocateOptions, type PalletState } from '../locate/locate-operator.js';
import { CustomsTable } from '../rules/customs-table.js';
import { ZoneRules } from '../rules/zone-rules.js';
import { SiteIndex } from '../site/site-index.js';
import { NaiveLocator } from './naive-locator.js';
import { ReadNoise, type ReadNoiseOptions } from './read-noise.js';
import { scoreAccuracy, type AccuracyScores, type Emitted } from './score.js';
import { buildTruthTracks } from './truth-tracks.js';

export interface AccuracyRunOptions {
  scenario: Scenario;
  seed: number;
  durationSec: number;
  /** `demo` (default) or `test`. */
  profile?: 'demo' | 'test';
  /** Virtual start, µs (whole ms). Default 2026-01-01T00:00:00Z, so runs are reproducible. */
  startUs?: number;
  /** Field noise on top of the RF model, over the scenario (`defaultNoise`); `false` for none. */
  noise?: ReadNoiseOptions | false;
  /** Virtual time per step: how often reads are handed to the operators, like a reader's batching. Default 100 ms. */
  stepUs?: number;
  /** Operator settings to try (defaults: the operators' own). */
  dedup?: DedupOptions;
  locate?: LocateOptions;
}

export interface AccuracyReport extends AccuracyScores {
  seed: number;
  durationSec: number;
  profile: string;
  noise: ReadNoiseOptions | false;
  reads: number;
  observations: number;
  baseline: AccuracyScores;
}

const DEFAULT_START_US = Date.UTC(2026, 0, 1) * 1000;

/**
 * The noisy scenario for a site: 5% missed reads, the reader of the first storage zone
 * 2 s ahead, and the reader of the first inspection zone (else staging) silent for 30 s a third
 * of the way into the run.
 */
export function defaultNoise(site: SiteIndex, startUs: number, durationSec: number): ReadNoiseOptions {
  const readerOf = (kind: string): string | undefined => {
    const zone = site.layout.zones.find((z) => z.kind === kind);
    return site.layout.antennas.find((a) => a.zone === zone?.id && a.role === 'COVERAGE')?.reader;
  };
  const skewReader = readerOf('STORAGE');
  const outageReader = readerOf('INSPECTION') ?? readerOf('STAGING');
  const outageFromUs = startUs + Math.round(durationSec / 3) * 1_000_000;
  return {
    missRate: 0.05,
    skew: skewReader === undefined ? undefined : { readerId: skewReader, offsetUs: 2_000_000 },
    outage:
      outageReader === undefined
        ? undefined
        : { readerId: outageReader, fromUs: outageFromUs, toUs: outageFromUs + 30_000_000 },
  };
}

/** A simulation with its noise, as both the in-process and the Kafka accuracy runs drive it. */
export interface PreparedRun {
  site: SiteIndex;
  sim: Simulation;
  noise: ReadNoise | undefined;
  noiseOptions: ReadNoiseOptions | false;
  startUs: number;
  stepUs: number;
  endUs: number;
}

export function prepareRun(options: AccuracyRunOptions): PreparedRun {
  const { scenario, seed, durationSec } = options;
  const startUs = options.startUs ?? DEFAULT_START_US;
  const stepUs = options.stepUs ?? 100_000;
  const endUs = startUs + durationSec * 1_000_000;
  const site = new SiteIndex(scenario.site);
  const sim = createSimulation({
    site: scenario.site,
    manifest: scenario.manifest,
    customs: scenario.customs,
    schedule: scenario.schedule,
    seed,
    startUs,
    profile: options.profile ?? 'demo',
  });
  const noiseOptions =
    options.noise === false ? false : { ...defaultNoise(site, startUs, durationSec), ...options.noise };
  const noise = noiseOptions === false ? undefined : new ReadNoise(seed, noiseOptions);
  return { site, sim, noise, noiseOptions, startUs, stepUs, endUs };
}

/** Ground truth of a finished run, in the shapes the scoring compares. */
export function truthOf(run: PreparedRun): ReturnType<typeof buildTruthTracks> {
  return buildTruthTracks(
    run.sim.truth,
    run.endUs,
    (zone) => run.site.zone(zone)?.kind === 'GATE',
    (zone) => run.site.isExitGate(zone),
  );
}

/**
 * Runs a simulated scenario through the pipeline's operators in-process (dedup → locate → rules,
 * with the customs stream joined as it falls due) and through the naive baseline, on virtual time,
 * and scores both against the simulator's ground truth. Deterministic for a seed.
 */
export function runAccuracy(options: AccuracyRunOptions): AccuracyReport {
  const { scenario, seed, durationSec } = options;
  const { site, sim, noise, noiseOptions, startUs, stepUs, endUs } = prepareRun(options);
  const clock = new ManualClock(startUs);
  const dedup = new DedupOperator(site, clock, new MemoryStateStore<ReaderWindows>(), options.dedup);
  const locate = new LocateOperator(site, new MemoryStateStore<PalletState>(), options.locate);
  const customs = new CustomsTable();
  const manifest = new Set(scenario.manifest.pallets.map((p) => p.epc));
  const ssccToEpc = new Map(scenario.manifest.pallets.map((p) => [p.sscc, p.epc]));
  const rules = new ZoneRules(site, customs, manifest);
  const naive = new NaiveLocator(site);

  const events: Array<Emitted<ZoneEvent>> = [];
  const alerts: Array<Emitted<Alert>> = [];
  const naiveEvents: Array<Emitted<ZoneEvent>> = [];
  const naiveAlerts: Array<Emitted<Alert>> = [];
  let readCount = 0;
  let observationCount = 0;
  let offset = 0;
  let seq = 0;

  const locateAll = (observations: ReturnType<DedupOperator['tick']>, nowUs: number): void => {
    observationCount += observations.length;
    for (const obs of observations) {
      for (const event of locate.ingest(obs)) {
        events.push({ value: event, emittedAtUs: nowUs });
        for (const alert of rules.evaluate(event)) alerts.push({ value: alert, emittedAtUs: nowUs });
      }
    }
  };

  for (let nowUs = startUs + stepUs; nowUs <= endUs; nowUs += stepUs) {
    const raw = sim.advance(nowUs);
    clock.set(nowUs);
    // Customs decisions are joined by event time, so applying the step's due ones first is exact.
    for (const status of sim.takeDueCustoms()) {
      const epc = status.epc ?? (status.sscc === undefined ? undefined : ssccToEpc.get(status.sscc));
      if (epc !== undefined) customs.apply(status, epc);
    }
    const reads = noise ? noise.apply(raw) : raw;
    readCount += reads.length;
    for (const r of reads) {
      for (const event of naive.ingest(r.readerId, r.read)) {
        naiveEvents.push({ value: event, emittedAtUs: nowUs });
        const naiveRules = rules.evaluate(event);
        for (const alert of naiveRules) naiveAlerts.push({ value: alert, emittedAtUs: nowUs });
      }
    }
    for (const batch of toBatches(scenario.site.site, reads, nowUs, () => ++seq)) {
      locateAll(dedup.ingest(batch, { partition: 0, offset: offset++ }), nowUs);
    }
    locateAll(dedup.tick(), nowUs);
  }
  // The end of the run: every reader falls silent, so the idle flush closes what is still open.
  clock.set(endUs + 3_600_000_000);
  locateAll(dedup.tick(), endUs);

  const truth = truthOf({ site, sim, noise, noiseOptions, startUs, stepUs, endUs });
  return {
    ...scoreAccuracy(truth, events, alerts, { endUs }),
    seed,
    durationSec,
    profile: sim.profile.name,
    noise: noiseOptions,
    reads: readCount,
    observations: observationCount,
    baseline: scoreAccuracy(truth, naiveEvents, naiveAlerts, { endUs }),
  };
}

/** One batch per reader per step, as an adapter would send them. */
export function toBatches(
  site: string,
  reads: readonly SimulatedRead[],
  sentAtUs: number,
  nextSeq: () => number,
): ReadBatch[] {
  const byReader = new Map<string, SimulatedRead['read'][]>();
  for (const r of reads) {
    const list = byReader.get(r.readerId);
    if (list) list.push(r.read);
    else byReader.set(r.readerId, [r.read]);
  }
  return [...byReader].map(([readerId, list]) => {
    const seq = nextSeq();
    return {
      v: 1,
      site,
      readerId,
      source: 'simulator',
      batchId: `${readerId}:accuracy:${seq}`,
      seq,
      sentAtUs,
      reads: list,
    };
  });
}
