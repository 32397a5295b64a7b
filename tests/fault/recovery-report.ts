import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** How one fault went: what was injected, how long recovery took, and what the database holds. */
export interface FaultOutcome {
  fault: string;
  /** Fault injected → the faulted component is back (restarted, healthy, reconnected), ms. */
  backMs: number | null;
  /** Fault injected → the first read published after the fault is stored as an observation, ms. */
  firstNewRowMs: number | null;
  /** Restarts the supervisor made, per process (exit code or signal of each incarnation). */
  restarts: Record<string, Array<number | string>>;
  readsSent: number;
  /** Reads of the simulator missing from the raw-reads topic, and reads in it more than once. */
  readsLost: number;
  readsDuplicated: number;
  /** Batches the raw-reads topic holds twice (same batchId; dedup drops the second). */
  duplicatedBatches: number;
  zoneEvents: number;
  /** Pallet alerts; and alerts about readers, per kind (a fault may rightly raise some). */
  alerts: number;
  readerAlerts: Record<string, number>;
  /** Moves (EPC, kind, zones, direction) and pallet alerts of the fault-free replay missing from the database, and extra ones. */
  lost: number;
  extra: number;
  /** Zone events not equal to the replay's row for row (id, time, confidence): decided a window apart. */
  rowsDiffer: number;
  /** Events whose evidence (observation ids) differs from the replay's, the event itself equal. */
  evidenceDiffers: number;
}

const seconds = (ms: number | null) => (ms === null ? 'never' : (ms / 1000).toFixed(1));

/** A fixed-width table, one line per fault, for the test output and the issue note. */
export function formatRecoveryTable(outcomes: readonly FaultOutcome[]): string {
  const header = [
    'fault',
    'back (s)',
    'first new row (s)',
    'reads',
    'reads lost/dup',
    'dup batches',
    'events',
    'alerts',
    'reader alerts',
    'lost',
    'extra',
    'rows differ',
    'evidence differs',
    'restarts',
  ];
  const rows = outcomes.map((o) => [
    o.fault,
    seconds(o.backMs),
    seconds(o.firstNewRowMs),
    String(o.readsSent),
    `${o.readsLost}/${o.readsDuplicated}`,
    String(o.duplicatedBatches),
    String(o.zoneEvents),
    String(o.alerts),
    Object.entries(o.readerAlerts)
      .map(([kind, n]) => `${kind}:${n}`)
      .join(' ') || '-',
    String(o.lost),
    String(o.extra),
    String(o.rowsDiffer),
    String(o.evidenceDiffers),
    Object.entries(o.restarts)
      .filter(([, r]) => r.length > 0)
      .map(([name, r]) => `${name}:${r.join('/')}`)
      .join(' ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Write the outcomes as JSON into `dir`; returns the file's path. */
export async function writeRecoveryReport(dir: string, outcomes: readonly FaultOutcome[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'fault-recovery.json');
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), outcomes }, null, 2)}\n`);
  return file;
}
