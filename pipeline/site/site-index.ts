import type { AntennaRole, SiteLayout, Zone } from '../../schemas/index.js';

export interface AntennaInfo {
  zone: string;
  role: AntennaRole;
}

/**
 * Constant-time lookups over a site layout for the hot path: which zone and role an antenna has,
 * and what a zone is. Built once per process (and again when `replay` swaps the layout).
 */
export class SiteIndex {
  readonly site: string;
  private readonly antennas = new Map<string, AntennaInfo>();
  private readonly zones = new Map<string, Zone>();

  constructor(readonly layout: SiteLayout) {
    this.site = layout.site;
    for (const zone of layout.zones) this.zones.set(zone.id, zone);
    for (const antenna of layout.antennas) {
      this.antennas.set(antennaKey(antenna.reader, antenna.port), { zone: antenna.zone, role: antenna.role });
    }
  }

  antenna(readerId: string, port: number): AntennaInfo | undefined {
    return this.antennas.get(antennaKey(readerId, port));
  }

  zone(id: string): Zone | undefined {
    return this.zones.get(id);
  }

  isBonded(zoneId: string): boolean {
    return this.zones.get(zoneId)?.bonded ?? false;
  }

  /**
   * A gate leads out of the bonded area when the zone on its outer side (`outside`) is not bonded;
   * a layout that does not say is read as "the gate is on the fence", i.e. every gate is an exit.
   */
  isExitGate(gateId: string): boolean {
    const gate = this.zones.get(gateId);
    if (!gate || gate.kind !== 'GATE') return false;
    if (gate.outside === undefined) return true;
    return this.zones.get(gate.outside)?.bonded === false;
  }
}

function antennaKey(readerId: string, port: number): string {
  return `${readerId}\u0000${port}`;
}
