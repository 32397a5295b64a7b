import type { Antenna, Reader, SiteLayout, Zone, ZoneKind } from '../schemas/index.js';
import { ConfigError } from '../runtime/errors.js';

/** A reader with its antennas in port order, as the simulator cycles through them. */
export interface ReaderModel {
  reader: Reader;
  antennas: Antenna[];
  /** True when any antenna is a portal antenna: such readers cycle fast (see profiles). */
  hasPortal: boolean;
}

/**
 * The site as the simulator needs it: zones by kind, antennas by zone, and RF neighbours.
 *
 * `Zone.neighbours` lists the zones whose antennas can cross-read tags in that zone, so an antenna
 * in zone A cross-reads tags in every zone Y with A in Y.neighbours (`crossReadZones(A)`).
 *
 * The layout has no "entry"/"exit" flag on gates, so the route is inferred from adjacency (a
 * neighbour in either direction): entry gates touch a DOCK, exit gates touch a STAGING area; a gate
 * that touches neither serves both ways.
 */
export interface SiteModel {
  layout: SiteLayout;
  zones: ReadonlyMap<string, Zone>;
  readers: ReaderModel[];
  ofKind(kind: ZoneKind): Zone[];
  /** Zones whose tags the antennas of `zone` can cross-read. */
  crossReadZones(zone: string): string[];
  entryGates: Zone[];
  exitGates: Zone[];
}

export function buildSiteModel(layout: SiteLayout): SiteModel {
  const zones = new Map(layout.zones.map((z) => [z.id, z]));
  const ofKind = (kind: ZoneKind): Zone[] => layout.zones.filter((z) => z.kind === kind);

  const adjacent = new Map<string, Set<string>>();
  const crossRead = new Map<string, string[]>();
  for (const zone of layout.zones) {
    adjacent.set(zone.id, adjacent.get(zone.id) ?? new Set());
    for (const n of zone.neighbours) {
      adjacent.get(zone.id)!.add(n);
      if (!adjacent.has(n)) adjacent.set(n, new Set());
      adjacent.get(n)!.add(zone.id);
      if (n !== zone.id) crossRead.set(n, [...(crossRead.get(n) ?? []), zone.id]);
    }
  }
  const touches = (zone: Zone, kind: ZoneKind): boolean =>
    [...(adjacent.get(zone.id) ?? [])].some((id) => zones.get(id)?.kind === kind);

  for (const kind of ['GATE', 'DOCK', 'STORAGE', 'STAGING'] as const) {
    if (ofKind(kind).length === 0)
      throw new ConfigError(`site ${layout.site} needs at least one ${kind} zone to simulate pallet flow`);
  }
  const gates = ofKind('GATE');
  const entry = gates.filter((g) => touches(g, 'DOCK') || !touches(g, 'STAGING'));
  const exit = gates.filter((g) => touches(g, 'STAGING') || !touches(g, 'DOCK'));

  const readers = layout.readers.map((reader) => {
    const antennas = layout.antennas.filter((a) => a.reader === reader.id).sort((a, b) => a.port - b.port);
    return { reader, antennas, hasPortal: antennas.some((a) => a.role !== 'COVERAGE') };
  });

  return {
    layout,
    zones,
    readers,
    ofKind,
    crossReadZones: (zone) => crossRead.get(zone) ?? [],
    entryGates: entry.length > 0 ? entry : gates,
    exitGates: exit.length > 0 ? exit : gates,
  };
}
