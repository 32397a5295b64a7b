import { deterministicId } from '../../runtime/ids.js';
import type { Alert } from '../../schemas/index.js';

/**
 * Gaps in the `seq` of each reader's ReadBatches (ARCHITECTURE.md: `seq` increases by one per batch
 * within a boot; `batchId` is `{readerId}:{bootId}:{seq}`). A hole means batches never reached the
 * bridge: an adapter whose disk queue dropped its oldest batches (`drop-oldest` policy), a queue file
 * lost with its host, a publish the broker never took.
 *
 * Order is not guaranteed on the way: the bridge's MQTT connections share the messages, and a disk
 * queue replays an outage's batches late. So a hole is only *open* at first; batches arriving
 * later fill it, and only what is still missing `graceUs` after the hole opened is reported. Each
 * boot of a reader is its own sequence (a reboot starts again at 0), tracked separately so that a
 * late replay from the previous boot is neither a gap nor a reset.
 *
 * Pure: times come in as arguments (the bridge's injected clock), state is per reader in Maps.
 */

/** Batches `fromSeq`…`toSeq` (inclusive) of one boot of a reader that never arrived. */
export interface SequenceGap {
  site: string;
  readerId: string;
  bootKey: string;
  fromSeq: number;
  toSeq: number;
  missing: number;
  /** When the hole was seen opening (processing time, µs). */
  openedAtUs: number;
  /** `sentAtUs` of the batch whose `seq` revealed the hole: input time, for deterministic ids. */
  revealedBySentAtUs: number;
}

export type BatchCheck =
  /** First batch seen of this reader since the bridge started: nothing to compare with. */
  | { kind: 'first' }
  | { kind: 'next' }
  /** A hole opened (reported by `expire` if it is still open after the grace). */
  | { kind: 'hole'; fromSeq: number; toSeq: number }
  /** A late batch that filled (part of) an open hole. */
  | { kind: 'filled' }
  /** Seq at or below the highest seen and not in a hole: a redelivery or a late batch after its report. */
  | { kind: 'old' }
  /** A boot not seen before, for a reader that had another: the adapter or reader restarted. */
  | { kind: 'reset'; previousBootKey: string };

export interface BatchSequenceOptions {
  /** How long a hole may stay open before its batches count as lost, µs. Default 60 s. */
  graceUs?: number;
  /** Boots remembered per reader (older ones are forgotten). Default 4. */
  bootsPerReader?: number;
  /** Open holes remembered per boot (the oldest are reported early beyond this). Default 1 000. */
  holesPerBoot?: number;
}

interface Hole {
  fromSeq: number;
  toSeq: number;
  openedAtUs: number;
  revealedBySentAtUs: number;
}

interface BootState {
  highest: number;
  holes: Hole[];
}

/**
 * The boot part of a batch id: `{readerId}:{bootId}` when the id ends in `:{seq}` as our publisher
 * writes it; otherwise (an integrator's own id scheme) one sequence for the whole reader.
 */
export function bootKeyOf(batchId: string, seq: number): string {
  const suffix = `:${seq}`;
  return batchId.endsWith(suffix) ? batchId.slice(0, -suffix.length) : '';
}

export class BatchSequence {
  /** Boots of each reader, keyed by site and reader id. */
  private readonly readers = new Map<string, ReaderKey & { boots: Map<string, BootState> }>();
  private readonly graceUs: number;
  private readonly bootsPerReader: number;
  private readonly holesPerBoot: number;
  /** Holes forced out early by `holesPerBoot`; `expire` returns them next. */
  private overflow: SequenceGap[] = [];

  constructor(options: BatchSequenceOptions = {}) {
    this.graceUs = options.graceUs ?? 60_000_000;
    this.bootsPerReader = options.bootsPerReader ?? 4;
    this.holesPerBoot = options.holesPerBoot ?? 1_000;
    if (!(this.graceUs >= 0)) throw new RangeError(`graceUs must be >= 0, got ${this.graceUs}`);
    if (!(this.bootsPerReader >= 1)) throw new RangeError('bootsPerReader must be >= 1');
    if (!(this.holesPerBoot >= 1)) throw new RangeError('holesPerBoot must be >= 1');
  }

  /** Account for one batch (already checked against the schema, not a replay the bridge dropped). */
  observe(
    batch: { site: string; readerId: string; batchId: string; seq: number; sentAtUs: number },
    nowUs: number,
  ): BatchCheck {
    const bootKey = bootKeyOf(batch.batchId, batch.seq);
    const readerKey = `${batch.site}/${batch.readerId}`;
    let reader = this.readers.get(readerKey);
    if (!reader) {
      reader = { site: batch.site, readerId: batch.readerId, boots: new Map() };
      this.readers.set(readerKey, reader);
    }
    const boots = reader.boots;
    const boot = boots.get(bootKey);
    if (!boot) {
      const previousBootKey = [...boots.keys()].at(-1);
      const state: BootState = { highest: batch.seq, holes: [] };
      // A new boot of a reader we were already following starts at 0: a first seq above 0 means its
      // first batches are missing. A reader seen for the first time may simply predate the bridge.
      if (previousBootKey !== undefined && batch.seq > 0)
        this.open(reader, bootKey, state, 0, batch.seq - 1, nowUs, batch.sentAtUs);
      boots.set(bootKey, state);
      if (boots.size > this.bootsPerReader) boots.delete(boots.keys().next().value as string);
      return previousBootKey === undefined ? { kind: 'first' } : { kind: 'reset', previousBootKey };
    }
    if (batch.seq === boot.highest + 1) {
      boot.highest = batch.seq;
      return { kind: 'next' };
    }
    if (batch.seq > boot.highest + 1) {
      const fromSeq = boot.highest + 1;
      const toSeq = batch.seq - 1;
      boot.highest = batch.seq;
      this.open(reader, bootKey, boot, fromSeq, toSeq, nowUs, batch.sentAtUs);
      return { kind: 'hole', fromSeq, toSeq };
    }
    return this.fill(boot, batch.seq) ? { kind: 'filled' } : { kind: 'old' };
  }

  /** Holes still open `graceUs` after they opened: their batches are lost. Call periodically. */
  expire(nowUs: number): SequenceGap[] {
    const gaps = this.overflow;
    this.overflow = [];
    for (const reader of this.readers.values()) {
      for (const [bootKey, boot] of reader.boots) {
        const keep: Hole[] = [];
        for (const hole of boot.holes) {
          if (nowUs - hole.openedAtUs >= this.graceUs) gaps.push(toGap(reader, bootKey, hole));
          else keep.push(hole);
        }
        boot.holes = keep;
      }
    }
    return gaps;
  }

  /** Holes open now, for tests and status. */
  openHoles(): number {
    let n = 0;
    for (const reader of this.readers.values())
      for (const boot of reader.boots.values()) n += boot.holes.length;
    return n;
  }

  private open(
    reader: ReaderKey,
    bootKey: string,
    boot: BootState,
    fromSeq: number,
    toSeq: number,
    nowUs: number,
    revealedBySentAtUs: number,
  ): void {
    boot.holes.push({ fromSeq, toSeq, openedAtUs: nowUs, revealedBySentAtUs });
    // Bounded memory against a reader whose every other batch is lost: report the oldest early.
    if (boot.holes.length > this.holesPerBoot)
      this.overflow.push(toGap(reader, bootKey, boot.holes.shift()!));
  }

  /** Take `seq` out of the hole holding it (splitting the hole); false when no hole holds it. */
  private fill(boot: BootState, seq: number): boolean {
    const i = boot.holes.findIndex((h) => seq >= h.fromSeq && seq <= h.toSeq);
    if (i < 0) return false;
    const hole = boot.holes[i]!;
    const parts: Hole[] = [];
    if (hole.fromSeq < seq) parts.push({ ...hole, toSeq: seq - 1 });
    if (seq < hole.toSeq) parts.push({ ...hole, fromSeq: seq + 1 });
    boot.holes.splice(i, 1, ...parts);
    return true;
  }
}

interface ReaderKey {
  site: string;
  readerId: string;
}

function toGap(reader: ReaderKey, bootKey: string, hole: Hole): SequenceGap {
  return {
    site: reader.site,
    readerId: reader.readerId,
    bootKey,
    ...hole,
    missing: hole.toSeq - hole.fromSeq + 1,
  };
}

/**
 * The READER_GAP alert of a gap: batches of a reader lost before the bridge, so operators know the
 * reads (and any pallet movement in them) are missing for that stretch. The id derives from the gap
 * itself (reader, boot, range), so a bridge restarted on the same input raises the same alert.
 */
export function readerGapAlert(gap: SequenceGap): Alert {
  return {
    v: 1,
    id: deterministicId('alert', 'READER_GAP', gap.site, gap.readerId, gap.bootKey, gap.fromSeq, gap.toSeq),
    site: gap.site,
    kind: 'READER_GAP',
    severity: 'WARNING',
    readerId: gap.readerId,
    atUs: gap.revealedBySentAtUs,
    details: { bootKey: gap.bootKey, fromSeq: gap.fromSeq, toSeq: gap.toSeq, missingBatches: gap.missing },
  };
}
