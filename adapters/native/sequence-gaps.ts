/**
 * Detects gaps in a reader's own event counter (Zebra `eventNum`, formats.md §2.3: "a per-reader
 * sequence usable for gap detection"). Events lost between reader and adapter — on-reader buffer
 * overflow, QoS 0 drops — show up as a jump. Several tags of one event share a number, so a repeat
 * is not a gap; a number going backwards means the reader restarted its counter (reboot), which
 * is reported as a reset, not a gap. Pure: no clock, state per reader in a Map.
 */
export type SequenceCheck =
  | { kind: 'first' | 'next' | 'repeat' }
  | { kind: 'gap'; expected: number; got: number; missing: number }
  | { kind: 'reset'; previous: number; got: number };

export class SequenceGapDetector {
  private readonly last = new Map<string, number>();
  private gapsTotal = 0;
  private missingTotal = 0;

  check(readerId: string, sequence: number): SequenceCheck {
    const previous = this.last.get(readerId);
    this.last.set(readerId, sequence);
    if (previous === undefined) return { kind: 'first' };
    if (sequence === previous) return { kind: 'repeat' };
    if (sequence === previous + 1) return { kind: 'next' };
    if (sequence < previous) return { kind: 'reset', previous, got: sequence };
    const missing = sequence - previous - 1;
    this.gapsTotal++;
    this.missingTotal += missing;
    return { kind: 'gap', expected: previous + 1, got: sequence, missing };
  }

  stats(): { gaps: number; missingEvents: number } {
    return { gaps: this.gapsTotal, missingEvents: this.missingTotal };
  }
}
