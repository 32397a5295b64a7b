import type { TagRead } from '../../schemas/index.js';

/**
 * Reads per antenna port of each reader since the last snapshot, for the health heartbeat
 * (ReaderStatus.antennaReadsPerSec). A port once seen stays in every later snapshot, at 0 when it
 * has gone silent: a dead antenna cable is exactly what downstream needs to see.
 * Counts `count` (reads folded into the TagRead), not TagReads.
 */
export class AntennaRates {
  private readonly counts = new Map<string, Map<number, number>>();

  add(readerId: string, read: TagRead): void {
    let ports = this.counts.get(readerId);
    if (ports === undefined) this.counts.set(readerId, (ports = new Map<number, number>()));
    ports.set(read.antenna, (ports.get(read.antenna) ?? 0) + read.count);
  }

  /** Rates over `intervalMs` per port, then reset the counts (keeping the ports). */
  snapshot(readerId: string, intervalMs: number): Record<string, number> {
    const ports = this.counts.get(readerId);
    const rates: Record<string, number> = {};
    if (ports === undefined) return rates;
    for (const [port, count] of [...ports.entries()].sort((a, b) => a[0] - b[0])) {
      rates[String(port)] = Math.round((count / (intervalMs / 1000)) * 100) / 100;
      ports.set(port, 0);
    }
    return rates;
  }
}
