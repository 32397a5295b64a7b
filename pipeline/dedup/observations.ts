import { deterministicId } from '../../runtime/ids.js';
import type { Observation, ReadBatch, TagRead } from '../../schemas/index.js';
import type { SiteIndex } from '../site/site-index.js';
import type { InputPosition, Window } from './dedup-operator.js';

// The observations dedup emits, each with its deterministic id (docs/architecture.md, "Deterministic ids").

/** A closed window's summary: id (`obs`, reader, antenna, EPC, window start). */
export function windowObservation(
  site: SiteIndex | undefined,
  readerId: string,
  siteId: string,
  w: Window,
  /** The window's id when already derived (its first read's); derived here otherwise. */
  id: string = deterministicId('obs', readerId, w.antenna, w.epc, w.startUs),
): Observation {
  const obs: Observation = {
    v: 1,
    id,
    site: siteId,
    epc: w.epc,
    readerId,
    antenna: w.antenna,
    firstSeenUs: w.firstSeenUs,
    lastSeenUs: w.lastSeenUs,
    count: w.count,
    kind: 'window',
  };
  const zone = site?.antenna(readerId, w.antenna)?.zone;
  if (zone !== undefined) obs.zone = zone;
  if (w.maxRssiDbm !== undefined) obs.maxRssiDbm = w.maxRssiDbm;
  if (w.rssiWeight > 0) obs.meanRssiDbm = Math.round((w.rssiSum / w.rssiWeight) * 100) / 100;
  return obs;
}

/** A read later than the allowed lateness: id (`late`, reader, antenna, EPC, time, partition, offset). */
export function lateObservation(
  site: SiteIndex | undefined,
  batch: ReadBatch,
  read: TagRead,
  from: InputPosition,
): Observation {
  const id = deterministicId(
    'late',
    batch.readerId,
    read.antenna,
    read.epc,
    read.seenAtUs,
    from.partition,
    from.offset,
  );
  return singleReadObservation(site, batch, read, id, 'late');
}

/** One read as an observation of its own (a late read, or a first read emitted at once). */
export function singleReadObservation(
  site: SiteIndex | undefined,
  batch: ReadBatch,
  read: TagRead,
  id: string,
  kind: 'first' | 'late',
): Observation {
  const obs: Observation = {
    v: 1,
    id,
    site: batch.site,
    epc: read.epc,
    readerId: batch.readerId,
    antenna: read.antenna,
    firstSeenUs: read.seenAtUs,
    lastSeenUs: read.seenAtUs,
    count: read.count,
    kind,
  };
  const zone = site?.antenna(batch.readerId, read.antenna)?.zone;
  if (zone !== undefined) obs.zone = zone;
  if (read.rssiDbm !== undefined) {
    obs.maxRssiDbm = read.rssiDbm;
    obs.meanRssiDbm = read.rssiDbm;
  }
  return obs;
}
