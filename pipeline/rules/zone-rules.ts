import { deterministicId } from '../../runtime/ids.js';
import type { Alert, SiteLayout, ZoneEvent } from '../../schemas/index.js';
import type { SiteIndex } from '../site/site-index.js';
import type { CustomsTable } from './customs-table.js';

/**
 * Bonded-zone rules evaluated on each zone event (first version): a pallet leaving without customs
 * release, a pallet in a zone its customs status does not allow, and a tag in no manifest inside
 * the bonded area. Alert ids derive from the triggering event, so replays raise the same alerts.
 */
export class ZoneRules {
  private readonly allowed: SiteLayout['customs']['allowedZones'];

  constructor(
    private readonly site: SiteIndex,
    private readonly customs: CustomsTable,
    private readonly manifest: ReadonlySet<string> | undefined,
  ) {
    this.allowed = site.layout.customs.allowedZones;
  }

  evaluate(event: ZoneEvent): Alert[] {
    const alerts: Alert[] = [];
    // As of the event: a status that came later (in event time) does not excuse or condemn it.
    const customs = this.customs.get(event.epc, event.atUs);
    if (
      event.kind === 'CROSSED_GATE' &&
      event.direction === 'OUT' &&
      event.toZone &&
      this.site.isExitGate(event.toZone)
    ) {
      if (customs?.status !== 'RELEASED') {
        alerts.push(
          this.alert(event, 'UNRELEASED_EXIT', 'CRITICAL', event.toZone, {
            customsStatus: customs?.status ?? 'UNDECLARED',
            declarationId: customs?.declarationId ?? null,
          }),
        );
      }
    }
    if ((event.kind === 'ARRIVED' || event.kind === 'MOVED') && event.toZone) {
      const status = customs?.status;
      const allowedZones = status ? this.allowed[status] : undefined;
      if (status && allowedZones && !allowedZones.includes(event.toZone)) {
        alerts.push(
          this.alert(event, 'UNAUTHORIZED_ZONE', 'WARNING', event.toZone, {
            customsStatus: status,
            allowedZones: allowedZones.join(','),
          }),
        );
      }
      if (
        event.kind === 'ARRIVED' &&
        this.manifest &&
        !this.manifest.has(event.epc) &&
        this.site.isBonded(event.toZone)
      ) {
        alerts.push(this.alert(event, 'UNKNOWN_TAG', 'WARNING', event.toZone, {}));
      }
    }
    return alerts;
  }

  private alert(
    event: ZoneEvent,
    kind: Alert['kind'],
    severity: Alert['severity'],
    zone: string,
    details: Alert['details'],
  ): Alert {
    return {
      v: 1,
      id: deterministicId('alert', kind, event.id),
      site: event.site,
      kind,
      severity,
      epc: event.epc,
      zone,
      atUs: event.atUs,
      details: { ...details, eventId: event.id },
    };
  }
}
