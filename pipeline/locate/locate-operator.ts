import { deterministicId } from '../../runtime/ids.js';
import type { StateStore } from '../../runtime/state-store.js';
import type { Direction, Observation, ZoneEvent } from '../../schemas/index.js';
import type { SiteIndex } from '../site/site-index.js';

export interface LocateOptions {
  /** Event-time span of evidence weighed for a zone decision. Default 3 s. */
  evidenceWindowUs?: number;
  /** A new zone must outweigh the current one by this factor to move the pallet (hysteresis). Default 2. */
  switchRatio?: number;
  /**
   * Portal sightings of one gate closer together than this belong to one passage (one crossing).
   * Default 10 s.
   */
  portalGapUs?: number;
  /** Observations (dedup windows) a zone needs in the evidence window before a pallet is put there. Default 2. */
  minEvidence?: number;
}

interface Evidence {
  zone: string;
  atUs: number;
  firstUs: number;
  weight: number;
  id: string;
}

interface PortalSighting {
  gate: string;
  inFirstUs?: number;
  outFirstUs?: number;
  lastUs: number;
  ids: string[];
  /** The crossing of this passage was emitted; later sightings of it only extend it. */
  decided: boolean;
}

/** What locate remembers per pallet. */
export interface PalletState {
  zone?: string;
  lastSeenUs: number;
  recent: Evidence[];
  portal?: PortalSighting;
}

const MAX_EVIDENCE = 32;

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

  constructor(
    private readonly site: SiteIndex,
    private readonly store: StateStore<PalletState>,
    options: LocateOptions = {},
  ) {
    this.windowUs = options.evidenceWindowUs ?? 3_000_000;
    this.ratio = options.switchRatio ?? 2;
    this.portalGapUs = options.portalGapUs ?? 10_000_000;
    this.minEvidence = options.minEvidence ?? 2;
  }

  ingest(obs: Observation): ZoneEvent[] {
    const antenna = this.site.antenna(obs.readerId, obs.antenna);
    if (!antenna) return []; // an antenna the layout does not know carries no location
    let state = this.store.get(obs.epc);
    if (!state) {
      state = { lastSeenUs: obs.lastSeenUs, recent: [] };
      this.store.set(obs.epc, state);
    }
    if (obs.lastSeenUs > state.lastSeenUs) state.lastSeenUs = obs.lastSeenUs;
    if (antenna.role === 'COVERAGE') return this.coverage(obs, antenna.zone, state);
    return this.portal(obs, antenna.zone, antenna.role === 'PORTAL_IN', state);
  }

  private coverage(obs: Observation, zone: string, state: PalletState): ZoneEvent[] {
    // Received power in mW: a read 10 dB weaker weighs a tenth. Reads without RSSI count as -70 dBm.
    const weight = obs.count * 10 ** ((obs.meanRssiDbm ?? -70) / 10);
    const horizon = state.lastSeenUs - this.windowUs;
    if (obs.lastSeenUs < horizon) return []; // older than the evidence window: it can no longer tip a decision
    state.recent.push({ zone, atUs: obs.lastSeenUs, firstUs: obs.firstSeenUs, weight, id: obs.id });
    state.recent = state.recent.filter((e) => e.atUs >= horizon).slice(-MAX_EVIDENCE);

    const scores = new Map<string, number>();
    let total = 0;
    for (const e of state.recent) {
      scores.set(e.zone, (scores.get(e.zone) ?? 0) + e.weight);
      total += e.weight;
    }
    let best = zone;
    let bestScore = -1;
    for (const [z, s] of scores) {
      if (s > bestScore || (s === bestScore && z < best)) {
        best = z;
        bestScore = s;
      }
    }
    if (best === state.zone) return [];
    const currentScore = state.zone === undefined ? 0 : (scores.get(state.zone) ?? 0);
    if (state.zone !== undefined && bestScore < this.ratio * currentScore) return [];

    // A single window can be a cross-read from a neighbouring zone: wait for a second one.
    const evidence = state.recent.filter((e) => e.zone === best);
    if (evidence.length < this.minEvidence) return [];
    const atUs = Math.min(...evidence.map((e) => e.firstUs));
    const from = state.zone;
    state.zone = best;

    const kind = from === undefined ? 'ARRIVED' : 'MOVED';
    return [
      this.event(obs, kind, {
        fromZone: from,
        toZone: best,
        atUs,
        confidence: total > 0 ? bestScore / total : 1,
        evidence: evidence.map((e) => e.id),
      }),
    ];
  }

  private portal(obs: Observation, gate: string, innerSide: boolean, state: PalletState): ZoneEvent[] {
    let sighting = state.portal;
    if (!sighting || sighting.gate !== gate || obs.firstSeenUs - sighting.lastUs > this.portalGapUs) {
      sighting = { gate, lastUs: obs.lastSeenUs, ids: [], decided: false };
      state.portal = sighting;
    }
    if (sighting.decided) {
      sighting.lastUs = Math.max(sighting.lastUs, obs.lastSeenUs);
      return [];
    }
    if (innerSide) sighting.inFirstUs = Math.min(sighting.inFirstUs ?? obs.firstSeenUs, obs.firstSeenUs);
    else sighting.outFirstUs = Math.min(sighting.outFirstUs ?? obs.firstSeenUs, obs.firstSeenUs);
    sighting.lastUs = Math.max(sighting.lastUs, obs.lastSeenUs);
    if (sighting.ids.length < MAX_EVIDENCE) sighting.ids.push(obs.id);
    if (sighting.inFirstUs === undefined || sighting.outFirstUs === undefined) return [];

    // Inner side first, then outer: the pallet went OUT of the bonded area (and the reverse).
    const direction: Direction = sighting.inFirstUs <= sighting.outFirstUs ? 'OUT' : 'IN';
    const atUs = Math.max(sighting.inFirstUs, sighting.outFirstUs);
    sighting.decided = true;
    const events = [
      this.event(obs, 'CROSSED_GATE', {
        toZone: gate,
        direction,
        atUs,
        confidence: 1,
        evidence: sighting.ids,
      }),
    ];
    if (direction === 'OUT' && this.site.isExitGate(gate)) {
      events.push(
        this.event(obs, 'DEPARTED', { fromZone: state.zone, atUs, confidence: 1, evidence: sighting.ids }),
      );
      state.zone = undefined;
      state.recent = [];
    } else if (direction === 'IN') {
      state.recent = [];
    }
    return events;
  }

  private event(
    obs: Observation,
    kind: ZoneEvent['kind'],
    fields: {
      fromZone?: string | undefined;
      toZone?: string;
      direction?: Direction;
      atUs: number;
      confidence: number;
      evidence: string[];
    },
  ): ZoneEvent {
    const event: ZoneEvent = {
      v: 1,
      id: deterministicId(
        'event',
        obs.epc,
        kind,
        fields.fromZone ?? '',
        fields.toZone ?? '',
        fields.direction ?? '',
        fields.atUs,
      ),
      site: obs.site,
      epc: obs.epc,
      kind,
      atUs: fields.atUs,
      confidence: Math.round(fields.confidence * 1000) / 1000,
      evidence: fields.evidence.slice(0, 64),
    };
    if (fields.fromZone !== undefined) event.fromZone = fields.fromZone;
    if (fields.toZone !== undefined) event.toZone = fields.toZone;
    if (fields.direction !== undefined) event.direction = fields.direction;
    return event;
  }
}
