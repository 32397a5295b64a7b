import type { CustomsState, CustomsStatus } from '../../schemas/index.js';

export interface CustomsEntry {
  status: CustomsState;
  declarationId: string;
  atUs: number;
}

/**
 * The latest customs status of each pallet, joined with location by the rules. Fed from the customs
 * topic; a status only replaces an older one (by event time), so replays and reordering are harmless.
 */
export class CustomsTable {
  private readonly byEpc = new Map<string, CustomsEntry>();

  apply(status: CustomsStatus, epc: string): boolean {
    const current = this.byEpc.get(epc);
    if (current && current.atUs > status.atUs) return false;
    this.byEpc.set(epc, { status: status.status, declarationId: status.declarationId, atUs: status.atUs });
    return true;
  }

  get(epc: string): CustomsEntry | undefined {
    return this.byEpc.get(epc);
  }

  get size(): number {
    return this.byEpc.size;
  }
}
