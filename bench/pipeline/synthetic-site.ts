import { randomBytes } from 'node:crypto';
import type { ReadBatch, SiteLayout, TagRead } from '../../schemas/index.js';

/** Antenna ports per bench reader; every port covers the reader's own zone. */
const PORTS_PER_READER = 4;

/**
 * A synthetic bonded site for floods: one storage zone per reader (4 coverage antennas each), a
 * population of pallets spread over the zones, and a share of them moving to another zone every
 * second, so that locate keeps deciding zone events while the readers report at full rate.
 */
export class SyntheticSite {
  readonly layout: SiteLayout;
  readonly readerIds: string[];
  /** Zone index of each pallet. */
  private readonly palletZone: Int32Array;
  /** Pallets in each zone (unordered). */
  private readonly zonePallets: number[][];
  private readonly bootId = randomBytes(4).toString('hex');
  private readonly seqByReader: number[];

  constructor(
    siteId: string,
    readers: number,
    private readonly palletsPerZone: number,
  ) {
    this.readerIds = Array.from({ length: readers }, (_, i) => `BR-${String(i + 1).padStart(3, '0')}`);
    const zoneIds = this.readerIds.map((_, i) => `BZ-${String(i + 1).padStart(3, '0')}`);
    this.layout = {
      v: 1,
      site: siteId,
      name: `bench site ${siteId}`,
      timezone: 'UTC',
      zones: zoneIds.map((id) => ({ id, name: id, kind: 'STORAGE' as const, bonded: true, neighbours: [] })),
      readers: this.readerIds.map((id) => ({ id, protocol: 'simulator' as const, address: `bench/${id}` })),
      antennas: this.readerIds.flatMap((reader, i) =>
        Array.from({ length: PORTS_PER_READER }, (_, p) => ({
          reader,
          port: p + 1,
          zone: zoneIds[i]!,
          role: 'COVERAGE' as const,
        })),
      ),
      customs: { dwellLimitsSec: {}, allowedZones: {}, missingAfterSec: 3600 },
    };
    const total = readers * palletsPerZone;
    this.palletZone = new Int32Array(total);
    this.zonePallets = zoneIds.map(() => []);
    for (let p = 0; p < total; p++) {
      const zone = p % readers;
      this.palletZone[p] = zone;
      this.zonePallets[zone]!.push(p);
    }
    this.seqByReader = this.readerIds.map(() => 0);
  }

  get palletCount(): number {
    return this.palletZone.length;
  }

  /** SSCC-96-shaped EPC of a pallet: a fixed header and company prefix, the pallet number last. */
  static epcOf(pallet: number): string {
    return `3178E61C8839${pallet.toString(16).toUpperCase().padStart(12, '0')}`;
  }

  /** Move `count` random pallets to another random zone (no-op with a single zone). */
  movePallets(count: number): void {
    const zones = this.zonePallets.length;
    if (zones < 2) return;
    for (let i = 0; i < count; i++) {
      const from = Math.floor(Math.random() * zones);
      const list = this.zonePallets[from]!;
      if (list.length <= 1) continue;
      const at = Math.floor(Math.random() * list.length);
      const pallet = list[at]!;
      list[at] = list[list.length - 1]!;
      list.pop();
      const to = (from + 1 + Math.floor(Math.random() * (zones - 1))) % zones;
      this.zonePallets[to]!.push(pallet);
      this.palletZone[pallet] = to;
    }
  }

  /** One ReadBatch of `size` reads by reader `index`, read times spread over the last `spanUs`. */
  batch(index: number, size: number, nowUs: number, spanUs: number): ReadBatch {
    const readerId = this.readerIds[index]!;
    const pallets = this.zonePallets[index]!;
    const reads: TagRead[] = new Array<TagRead>(size);
    for (let i = 0; i < size; i++) {
      const pallet = pallets.length > 0 ? pallets[Math.floor(Math.random() * pallets.length)]! : index;
      reads[i] = {
        epc: SyntheticSite.epcOf(pallet),
        antenna: 1 + Math.floor(Math.random() * PORTS_PER_READER),
        rssiDbm: -55 + Math.round((Math.random() * 6 - 3) * 10) / 10,
        seenAtUs: nowUs - Math.floor(((size - 1 - i) * spanUs) / Math.max(1, size)),
        count: 1,
      };
    }
    const seq = this.seqByReader[index]!++;
    return {
      v: 1,
      site: this.layout.site,
      readerId,
      source: 'bench',
      batchId: `${readerId}:${this.bootId}:${seq}`,
      seq,
      sentAtUs: nowUs,
      reads,
    };
  }
}
