import { deterministicId } from '../../runtime/ids.js';
import type { StateStore } from '../../runtime/state-store.js';
import type { Observation, ZoneEvent } from '../../schemas/index.js';
import type { SiteIndex } from '../site/site-index.js';
import { AntennaLevels } from './antenna-levels.js';
import { judgePassage, type PortalRead } from './portal-passage.js';
import { zoneEvent } from './zone-event.js';

export interface LocateOptions {
  /** Event-time span of evidence weighed for a zone decision. Default 3 s. */
  evidenceWindowUs?: number;
  /** A new zone must outweigh the current one by this factor to move the pallet (hysteresis). Default 3. */
  switchRatio?: number;
  /**
   * Portal sightings of one gate closer together than this belong to one passage (one crossing).
   * Default 10 s.
   */
  portalGapUs?: number;
  /** Observations (dedup windows) a zone needs in the evidence window before a pallet is put there. Default 2. */
  minEvidence?: number;
  /**
   * Only strong evidence can place or move a pallet. An observation is strong when its mean RSSI is
   * at least midway between the means its antenna (learned, see AntennaLevels) reads its own zone's
   * pallets and the neighbouring zones' pallets (cross-reads) at; until a cross-read mean is known,
   * when at most this far under the own-pallet mean (before that, under a learned level). Default 7 dB.
   */
  strongMarginDb?: number;
  /**
   * At a portal, a side's window counts for the direction only if its peak RSSI is within this of
   * the passage's strongest window up to it (portal-passage.ts): the far side's weak early reads
   * (~20 dB down while the near side reads the pallet) do not decide it. Default 12 dB (tuned with
   * `bondtrack accuracy` on seeds 1-5, every crossing right on seeds 1-10; 8 dB missed ~1 in 170).
   */
  portalMarginDb?: number;
  /**
   * Dedup's window, to recognise a first-read observation (id `first`) and let its window's summary
   * replace it rather than count twice. Default 1 s (dedup's default).
   */
  dedupWindowUs?: number;
  /**
   * Weigh dedup's first-read observations (see DedupOptions.emitFirstRead) at portals (and, with
   * `firstReadsOnly` off, at coverage antennas) as evidence before their window's summary arrives;
   * a summary then merges with its window's first read. Default true (docs/pipeline.md, "Detection
   * delay": once a passage's windows no longer overflowed its list, first reads cost no direction).
   */
  useFirstReads?: boolean;
  /**
   * With dedup emitting every window's first read at once (DedupOptions.firstReadGapUs = 0), weigh
   * those alone at coverage antennas and skip the windows' summaries there: each window counts
   * once, as soon as it opens. Portals weigh both (see `useFirstReads`): a passage's direction
   * wants each window's peak RSSI, which only the summary has. Default true (docs/pipeline.md,
   * "Detection delay").
   */
  firstReadsOnly?: boolean;
  /**
   * Half-life of evidence weight within the window; 0 weighs the whole window alike. Default 0.5 s
   * (a pallet's own zone reads it ~1.5×/s, so the old zone's evidence halves with each cycle its
   * antennas miss the pallet that left).
   */
  evidenceHalfLifeUs?: number;
  /**
   * Margin-dependent hysteresis: an observation read within this of the mean its antenna reads its own pallets at is
   * *sure* evidence (a cross-read, ~10 dB weaker with σ 3 dB of noise, gets there about 1 time in
   * 200; 1 dB: about 1 in 300). One sure observation places the pallet, or moves it once the current zone has been
   * `quietUs` without strong evidence, without waiting for a second window (see `fastRatio`). Default 1 dB.
   */
  sureMarginDb?: number;
  /** See `sureMarginDb`. Default 2 s (the current zone's antennas read a present pallet ~1.5×/s). */
  quietUs?: number;
  /** A sure move must also outweigh the current zone's faded evidence by this factor. Default 4. */
  fastRatio?: number;
}

interface Evidence {
  zone: string;
  atUs: number;
  firstUs: number;
  weight: number;
  id: string;
  strong: boolean;
  /** Read within `sureMarginDb` of its antenna's level: may confirm on its own (see LocateOptions). */
  sure?: boolean;
  /**
   * For a first read only: its dedup window (reader, antenna, start), which the window's summary
   * replaces. Summaries need no slot, which keeps per-pallet state small (bench/state-size.ts).
   */
  slot?: string;
  provisional: boolean;
}

/**
 * How close in event time a neighbouring antenna's read must be to the current zone's newest strong
 * one to be learnt as a cross-read (AntennaLevels.learnCross): the pallet is still where it was.
 */
const CROSS_READ_WITHIN_US = 1_000_000;

interface PortalSighting {
  gate: string;
  reads: PortalRead[];
  lastUs: number;
  ids: string[];
  /** The crossing of this passage was emitted; later sightings of it only extend it. */
  decided: boolean;
}

/** What locate remembers per pallet. */
export interface PalletState {
  zone?: string;
  lastSeenUs: number;
  /** Newest window summary (not first read): the evidence window trails it, see `coverage`. */
  summaryUs?: number;
  /** Evidence for zones other than the current one (and first reads), with ids for an event. */
  recent: Evidence[];
  /**
   * Evidence for the current zone, packed as [atUs, weight, atUs, weight, …]: it only ever weighs
   * against a move (its ids were published with the event that placed the pallet), and a packed
   * number array is a fraction of the objects' size (bench/state-size.ts).
   */
  current?: number[];
  /** Event time of the newest strong evidence for the current zone (the quiet test of `quietUs`). */
  heldUs?: number;
  portal?: PortalSighting;
}

const MAX_EVIDENCE = 32;
/**
 * Dedup windows one portal passage keeps: 4 antennas × a 4-6 s transit is ~25; a passage that
 * lingers may have more, and is judged on its first 64.
 */
const MAX_PASSAGE_WINDOWS = 64;

/**
 * Decides which zone each pallet is in from its observations (first version): RSSI-weighted evidence
 * per zone over a sliding event-time window, with hysteresis so that weaker cross-reads from a
 * neighbouring zone and a few missed reads do not move the pallet; gate crossings from the order in
 * which a portal's inner and outer antennas first saw the pallet.
 */
export class LocateOperator {
  private readonly windowUs: number;
  private readonly ratio: number;
  private readonly portalGapUs: number;
  private readonly minEvidence: number;
  private readonly portalMarginDb: number;
  private readonly dedupWindowUs: number;
  private readonly useFirstReads: boolean;
  private readonly firstReadsOnly: boolean;
  private readonly halfLifeUs: number;
  private readonly quietUs: number;
  private readonly fastRatio: number;
  /** Learned per-antenna RSSI levels (part of the state a changelog keeps). */
  readonly levels: AntennaLevels;

  constructor(
    private readonly site: SiteIndex,
    private readonly store: StateStore<PalletState>,
    options: LocateOptions = {},
  ) {
    this.windowUs = options.evidenceWindowUs ?? 3_000_000;
    this.ratio = options.switchRatio ?? 3;
    this.portalGapUs = options.portalGapUs ?? 10_000_000;
    this.minEvidence = options.minEvidence ?? 2;
    this.levels = new AntennaLevels(options.strongMarginDb ?? 7, options.sureMarginDb ?? 1);
    this.portalMarginDb = options.portalMarginDb ?? 12;
    this.dedupWindowUs = options.dedupWindowUs ?? 1_000_000;
    this.firstReadsOnly = options.firstReadsOnly ?? true;
    this.useFirstReads = options.useFirstReads ?? true;
    this.halfLifeUs = options.evidenceHalfLifeUs ?? 500_000;
    this.quietUs = options.quietUs ?? 2_000_000;
    this.fastRatio = options.fastRatio ?? 4;
  }

  ingest(obs: Observation): ZoneEvent[] {
    const antenna = this.site.antenna(obs.readerId, obs.antenna);
    if (!antenna) return []; // an antenna the layout does not know carries no location
    const coverage = antenna.role === 'COVERAGE';
    if (coverage && this.firstReadsOnly ? this.isSummary(obs) : !this.useFirstReads && this.isFirstRead(obs))
      return [];
    let state = this.store.get(obs.epc);
    if (!state) {
      state = { lastSeenUs: obs.lastSeenUs, recent: [] };
      this.store.set(obs.epc, state);
    }
    if (obs.lastSeenUs > state.lastSeenUs) state.lastSeenUs = obs.lastSeenUs;
    const events = coverage
      ? this.coverage(obs, antenna.zone, state)
      : this.portal(obs, antenna.zone, antenna.role === 'PORTAL_IN', state);
    // A column store (PalletColumns) hands out a copy: write the changed state back.
    this.store.set(obs.epc, state);
    return events;
  }

  private coverage(obs: Observation, zone: string, state: PalletState): ZoneEvent[] {
    const weight = this.weigh(obs);
    const startUs = obs.firstSeenUs - (obs.firstSeenUs % this.dedupWindowUs);
    const slot = `${obs.readerId}\u0000${obs.antenna}\u0000${startUs}`;
    // A first read awaits its window's summary, unless summaries are not weighed (`firstReadsOnly`):
    // then it is the window's evidence for good.
    const provisional = !this.firstReadsOnly && this.isFirstRead(obs);
    // The evidence window trails the newest window *summary*: first reads arrive seconds before the
    // summaries of the same moment, and must not push the current zone's pending evidence out.
    if (!provisional && obs.lastSeenUs > (state.summaryUs ?? 0)) state.summaryUs = obs.lastSeenUs;
    const horizon = (state.summaryUs ?? obs.lastSeenUs) - this.windowUs;
    if (obs.lastSeenUs < horizon) return []; // older than the evidence window: it can no longer tip a decision
    const sure = this.levels.isSure(obs); // before isStrong learns from this read
    const strong = this.levels.isStrong(obs);
    if (zone === state.zone && strong) {
      this.levels.learnOwn(obs);
      if (obs.lastSeenUs > (state.heldUs ?? 0)) state.heldUs = obs.lastSeenUs;
    } else if (
      state.zone !== undefined &&
      zone !== state.zone &&
      state.heldUs !== undefined &&
      Math.abs(obs.lastSeenUs - state.heldUs) <= CROSS_READ_WITHIN_US
    ) {
      this.levels.learnCross(obs); // read here while its own zone reads it: a cross-read
    }
    // The window's summary includes its first read: it replaces the first read's evidence.
    if (!provisional && state.recent.length > 0)
      state.recent = state.recent.filter((e) => !(e.provisional && e.slot === slot));
    state.current = pruneCurrent(state.current, horizon);
    if (zone === state.zone && !provisional) {
      (state.current ??= []).push(obs.lastSeenUs, weight);
      if (state.current.length > 2 * MAX_EVIDENCE) state.current.splice(0, 2);
      if (state.recent.length === 0) return [];
    } else
      state.recent.push({
        zone,
        atUs: obs.lastSeenUs,
        firstUs: obs.firstSeenUs,
        weight,
        id: obs.id,
        strong,
        ...(sure ? { sure } : {}),
        provisional,
        ...(provisional ? { slot } : {}),
      });
    if (state.recent.length > 0)
      state.recent = state.recent.filter((e) => e.atUs >= horizon).slice(-MAX_EVIDENCE);

    const scores = new Map<string, number>();
    let total = 0;
    const newestUs = state.summaryUs ?? obs.lastSeenUs;
    // Older evidence fades (half-life `evidenceHalfLifeUs`), so a real move outweighs the old
    // zone sooner, while the window still holds enough to ride out missed reads.
    const faded = (atUs: number, weight: number): number =>
      this.halfLifeUs > 0 ? weight * 2 ** (-Math.max(0, newestUs - atUs) / this.halfLifeUs) : weight;
    for (const e of state.recent) {
      const w = faded(e.atUs, e.weight);
      scores.set(e.zone, (scores.get(e.zone) ?? 0) + w);
      total += w;
    }
    if (state.zone !== undefined && state.current) {
      let w = 0;
      for (let i = 0; i < state.current.length; i += 2) w += faded(state.current[i]!, state.current[i + 1]!);
      scores.set(state.zone, (scores.get(state.zone) ?? 0) + w);
      total += w;
    }
    let best = zone;
    let bestScore = -1;
    for (const [z, s] of scores) {
      if (s > bestScore || (s === bestScore && z < best)) {
        best = z;
        bestScore = s;
      }
    }
    // Strong evidence confirms fast: once the current zone's antennas have gone quiet (event time),
    // one sure observation of another zone since then moves the pallet (the best-scored such zone).
    const fast = this.fastMove(state, scores);
    if (fast !== undefined) {
      best = fast;
      bestScore = scores.get(fast) ?? 0;
    } else {
      if (best === state.zone) return [];
      const currentScore = state.zone === undefined ? 0 : (scores.get(state.zone) ?? 0);
      if (state.zone !== undefined && bestScore < this.ratio * currentScore) return [];
    }

    // A single window can be a cross-read from a neighbouring zone: wait for a second one, and count
    // only windows read about as strongly as the zone's antennas read their own pallets.
    const evidence = state.recent.filter((e) => e.zone === best);
    if (fast === undefined && evidence.filter((e) => e.strong).length < this.minEvidence) return [];
    const atUs = Math.min(...evidence.map((e) => e.firstUs));
    const from = state.zone;
    state.zone = best;
    state.heldUs = Math.max(...evidence.filter((e) => e.strong).map((e) => e.atUs), atUs);
    // The new zone's evidence is now the current zone's; the old zone's keeps weighing, without ids.
    const previous = state.current ?? [];
    state.current = [];
    const rest: Evidence[] = [];
    for (const e of state.recent) {
      if (e.zone === best && !e.provisional) state.current.push(e.atUs, e.weight);
      else rest.push(e);
    }
    for (let i = 0; from !== undefined && i < previous.length; i += 2) {
      rest.push({
        zone: from,
        atUs: previous[i]!,
        firstUs: previous[i]!,
        weight: previous[i + 1]!,
        id: '',
        strong: false,
        provisional: false,
      });
    }
    state.recent = rest;

    const kind = from === undefined ? 'ARRIVED' : 'MOVED';
    return [
      zoneEvent(obs, kind, {
        fromZone: from,
        toZone: best,
        atUs,
        confidence: total > 0 ? bestScore / total : 1,
        evidence: evidence.map((e) => e.id).filter((id) => id !== ''),
      }),
    ];
  }

  private portal(obs: Observation, gate: string, innerSide: boolean, state: PalletState): ZoneEvent[] {
    let sighting = state.portal;
    if (!sighting || sighting.gate !== gate || obs.firstSeenUs - sighting.lastUs > this.portalGapUs) {
      sighting = { gate, reads: [], lastUs: obs.lastSeenUs, ids: [], decided: false };
      state.portal = sighting;
    }
    sighting.lastUs = Math.max(sighting.lastUs, obs.lastSeenUs);
    if (sighting.decided) return [];
    // One entry per dedup window: a window's summary merges with its first read (it includes it), so
    // one strong read does not count twice, and a passage's windows never overflow the list (they
    // did when first reads and summaries were listed apart: the passage was then never judged).
    const startUs = obs.firstSeenUs - (obs.firstSeenUs % this.dedupWindowUs);
    const slot = `${obs.readerId}\u0000${obs.antenna}\u0000${startUs}`;
    const peakDbm = obs.maxRssiDbm ?? 0;
    const same = sighting.reads.find((r) => r.slot === slot);
    if (same) {
      same.peakDbm = Math.max(same.peakDbm, peakDbm);
      same.firstUs = Math.min(same.firstUs, obs.firstSeenUs);
    } else if (sighting.reads.length < MAX_PASSAGE_WINDOWS) {
      sighting.reads.push({ inner: innerSide, firstUs: obs.firstSeenUs, peakDbm, slot });
    }
    if (sighting.ids.length < MAX_PASSAGE_WINDOWS && !sighting.ids.includes(obs.id))
      sighting.ids.push(obs.id);
    const judged = judgePassage(sighting.reads, this.portalMarginDb, this.dedupWindowUs);
    if (!judged) return [];
    const { direction, atUs, confidence } = judged;
    sighting.decided = true;
    const ids = sighting.ids;
    // A decided passage only needs its gate and last time (to tell the next passage): free the rest.
    sighting.reads = [];
    sighting.ids = [];
    const events = [
      zoneEvent(obs, 'CROSSED_GATE', {
        toZone: gate,
        direction,
        atUs,
        confidence,
        evidence: ids,
      }),
    ];
    if (direction === 'OUT' && this.site.isExitGate(gate)) {
      events.push(zoneEvent(obs, 'DEPARTED', { fromZone: state.zone, atUs, confidence, evidence: ids }));
      state.zone = undefined;
      state.recent = [];
      delete state.current;
      delete state.heldUs;
    } else if (direction === 'IN') {
      // What was seen before the crossing is stale; what was seen since is where it went. The
      // crossing may be decided after the first windows of the zone behind the gate (the portal's
      // reader lags, or its far side reads late), and with short stays those may be all there is.
      state.recent = state.recent.filter((e) => e.atUs >= atUs);
      delete state.current;
    }
    return events;
  }

  /**
   * An observation's weight: 1 when read at least as strongly as a strong read (AntennaLevels:
   * where in its zone a pallet stands must not matter, so a far pallet's reads count as much as a
   * near one's), less in proportion to received power below that (a cross-read 10 dB under it
   * weighs a tenth). Reads without RSSI, or at an antenna nothing is known of yet, weigh 1.
   */
  private weigh(obs: Observation): number {
    const rssi = obs.meanRssiDbm;
    const fromDbm = this.levels.strongFromDbm(obs);
    if (rssi === undefined || fromDbm === undefined) return 1;
    return Math.min(1, 10 ** ((rssi - fromDbm) / 10));
  }

  /** The zone one sure observation moves the pallet to now (see LocateOptions.sureMarginDb), if any. */
  private fastMove(state: PalletState, scores: ReadonlyMap<string, number>): string | undefined {
    const heldUs = state.zone === undefined ? Number.NEGATIVE_INFINITY : (state.heldUs ?? 0);
    if (state.lastSeenUs - heldUs < this.quietUs) return undefined;
    let best: string | undefined;
    let bestScore = -1;
    for (const e of state.recent) {
      if (!e.sure || e.zone === state.zone || e.atUs <= heldUs) continue;
      const s = scores.get(e.zone) ?? 0;
      if (s > bestScore || (s === bestScore && best !== undefined && e.zone < best)) {
        best = e.zone;
        bestScore = s;
      }
    }
    // Still weighed against what the current zone has left: sure, but not against the odds.
    const currentScore = state.zone === undefined ? 0 : (scores.get(state.zone) ?? 0);
    return best !== undefined && bestScore >= this.fastRatio * currentScore ? best : undefined;
  }

  /**
   * A window summary of dedup (id `obs` over its window), not a first or late read. Its `kind` says
   * so; records from before it had one are told apart by their id (a SHA-256 per observation, ~5% of
   * locate's CPU).
   */
  private isSummary(obs: Observation): boolean {
    if (obs.kind !== undefined) return obs.kind === 'window';
    const startUs = obs.firstSeenUs - (obs.firstSeenUs % this.dedupWindowUs);
    return obs.id === deterministicId('obs', obs.readerId, obs.antenna, obs.epc, startUs);
  }

  /**
   * A first-read observation of dedup, not a window summary: its `kind` says so. Records from
   * before it had one carried an id of their own (`first` over the window); since, a first read
   * carries its window's id.
   */
  isFirstRead(obs: Observation): boolean {
    if (obs.kind !== undefined) return obs.kind === 'first';
    if (obs.firstSeenUs !== obs.lastSeenUs) return false;
    const startUs = obs.firstSeenUs - (obs.firstSeenUs % this.dedupWindowUs);
    return obs.id === deterministicId('first', obs.readerId, obs.antenna, obs.epc, startUs);
  }
}

/** Drop packed current-zone evidence older than the horizon. */
function pruneCurrent(current: number[] | undefined, horizonUs: number): number[] | undefined {
  if (!current) return current;
  let i = 0;
  while (i < current.length && current[i]! < horizonUs) i += 2;
  if (i > 0) current.splice(0, i);
  return current;
}
