import { ReadBatch, type TagRead } from '../../schemas/index.js';

/** The demo site's reader ids (seeds/demo-site.yaml). */
export const DEMO_READER_IDS = [
  'RD-GATE-N',
  'RD-GATE-S',
  'RD-DOCK-1',
  'RD-DOCK-2',
  'RD-STOR-A',
  'RD-STOR-B',
  'RD-STOR-C',
  'RD-INSP',
  'RD-STAGE',
];

/** One read, as a comparable string: reader, EPC, antenna, time and count. */
export function readKey(readerId: string, r: TagRead): string {
  return `${readerId}|${r.epc}|${r.antenna}|${r.seenAtUs}|${r.count}`;
}

/** The reads `bondtrack simulate --out jsonl` printed (one `{readerId, read}` per line). */
export function printedReads(stdout: string): Set<string> {
  return new Set(
    stdout
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const { readerId, read } = JSON.parse(l) as { readerId: string; read: TagRead };
        return readKey(readerId, read);
      }),
  );
}

/** The reads in ReadBatch payloads captured from MQTT. */
export function arrivedReads(batches: readonly unknown[]): string[] {
  return batches.map((m) => ReadBatch.parse(m)).flatMap((b) => b.reads.map((r) => readKey(b.readerId, r)));
}
