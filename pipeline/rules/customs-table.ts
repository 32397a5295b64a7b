import type { CustomsState, CustomsStatus } from '../../schemas/index.js';

export interface CustomsEntry {
  status: CustomsState;
  declarationId: string;
  atUs: number;
}

/** Statuses kept per pallet: a pallet sees a handful (declared, inspection, held, released). */
const MAX_HISTORY = 16;

/**
 * The customs status of each pallet over time, joined with location by the rules. Fed from the
 * customs topic. Each pallet keeps its few statuses in event-time order, so the rules ask for the
 * status *as of* an event's time: a replay that loads every status first (the topic is read from
 * the beginning) judges a crossing by the status it had then, not by a later release. Duplicates
 * and reordering are harmless.
 */
export class CustomsTable {
  private readonly byEpc = new Map<string, CustomsEntry[]>();

  apply(status: CustomsStatus, epc: string): boolean {
    const entry: CustomsEntry = {
      status: status.status,
      declarationId: status.declarationId,
      atUs: status.atUs,
    };
    const history = this.byEpc.get(epc);
    if (!history) {
      this.byEpc.set(epc, [entry]);
      return true;
    }
    if (history.some((e) => e.atUs === entry.atUs && e.status === entry.status)) return false;
    let i = history.length;
    while (i > 0 && history[i - 1]!.atUs > entry.atUs) i--;
    history.splice(i, 0, entry);
    if (history.length > MAX_HISTORY) history.shift();
    return true;
  }

  /** The latest status, or the latest at or before `asOfUs` when given. */
  get(epc: string, asOfUs?: number): CustomsEntry | undefined {
    const history = this.byEpc.get(epc);
    if (!history) return undefined;
    if (asOfUs === undefined) return history[history.length - 1];
    for (let i = history.length - 1; i >= 0; i--) if (history[i]!.atUs <= asOfUs) return history[i];
    return undefined;
  }

  get size(): number {
    return this.byEpc.size;
  }
}
