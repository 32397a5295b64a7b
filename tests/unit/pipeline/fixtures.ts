import { SiteIndex } from '../../../pipeline/site/site-index.js';
import { SiteLayout, type ReadBatch, type TagRead } from '../../../schemas/index.js';

/** A small site: two neighbouring storage zones and an exit gate to the road. */
export const smallSite = new SiteIndex(
  SiteLayout.parse({
    v: 1,
    site: 'T1',
    name: 'test site',
    zones: [
      { id: 'A', name: 'A', kind: 'STORAGE', bonded: true, neighbours: ['B'] },
      { id: 'B', name: 'B', kind: 'STORAGE', bonded: true, neighbours: ['A', 'EXIT'] },
      { id: 'EXIT', name: 'exit gate', kind: 'GATE', bonded: true, neighbours: ['B'], outside: 'ROAD' },
      { id: 'ROAD', name: 'road', kind: 'OUTSIDE', bonded: false },
    ],
    readers: [
      { id: 'R1', protocol: 'serial', address: '/dev/null' },
      { id: 'R2', protocol: 'serial', address: '/dev/null' },
    ],
    antennas: [
      { reader: 'R1', port: 1, zone: 'A', role: 'COVERAGE' },
      { reader: 'R1', port: 2, zone: 'B', role: 'COVERAGE' },
      { reader: 'R2', port: 1, zone: 'EXIT', role: 'PORTAL_IN' },
      { reader: 'R2', port: 2, zone: 'EXIT', role: 'PORTAL_OUT' },
    ],
  }),
);

export const T0 = 1_764_000_000_000_000; // µs, a round second
export const EPC1 = '3178E61C883950F59A000000';
export const EPC2 = '3178E61C883950F59A000001';

export function read(epc: string, antenna: number, atUs: number, rssiDbm = -55): TagRead {
  return { epc, antenna, seenAtUs: atUs, rssiDbm, count: 1 };
}

let seq = 0;
export function batch(readerId: string, reads: TagRead[]): ReadBatch {
  seq++;
  return {
    v: 1,
    site: 'T1',
    readerId,
    source: 'serial',
    batchId: `${readerId}:boot:${seq}`,
    seq,
    sentAtUs: reads.reduce((max, r) => Math.max(max, r.seenAtUs), T0),
    reads,
  };
}
