import type { ZoneEvent, ZoneKind } from '../../schemas/index.js';

/**
 * How a zone event reads in the GS1 Core Business Vocabulary (CBV 2.0 §7.2 BizStep, §7.3 Disposition;
 * formats.md §3.3). Bare terms: the EPCIS 2.0 JSON-LD context expands them to
 * https://ref.gs1.org/cbv/BizStep-… and Disp-….
 */
export interface CbvTerms {
  bizStep: string;
  disposition: string;
}

/** The bizStep of arriving in a zone of each kind. */
const INTO_ZONE: Record<ZoneKind, string> = {
  GATE: 'entering_exiting',
  DOCK: 'arriving',
  STORAGE: 'storing',
  INSPECTION: 'inspecting',
  STAGING: 'staging_outbound',
  OUTSIDE: 'departing',
};

export function cbvTerms(
  event: Pick<ZoneEvent, 'kind' | 'direction'>,
  toZoneKind: ZoneKind | undefined,
): CbvTerms {
  switch (event.kind) {
    case 'DEPARTED':
      return { bizStep: 'departing', disposition: 'in_transit' };
    case 'CROSSED_GATE':
      // Going out through a gate puts goods in transit; coming in, they are being received.
      return event.direction === 'OUT'
        ? { bizStep: 'entering_exiting', disposition: 'in_transit' }
        : { bizStep: 'entering_exiting', disposition: 'in_progress' };
    case 'ARRIVED':
      return {
        bizStep: toZoneKind === undefined ? 'arriving' : INTO_ZONE[toZoneKind],
        disposition: 'in_progress',
      };
    case 'MOVED':
      return {
        bizStep: toZoneKind === undefined ? 'other' : INTO_ZONE[toZoneKind],
        disposition: 'in_progress',
      };
  }
}
