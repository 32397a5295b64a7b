import { createHash } from 'node:crypto';
import { epcUrnToDigitalLink } from './digital-link.js';

/**
 * The EPCIS Event Hash ID (CBV 2.0 §8.9; reference implementation RalphTro/epcis-event-hash-generator):
 * a pre-hash string of the event's fields in canonical order, values normalised, then
 * `ni:///sha-256;{hex}?ver=CBV2.0`. Implemented for what Bondtrack exports — ObjectEvents with an
 * epcList, action, bizStep, disposition, readPoint, bizLocation and flat string extensions — not for
 * every EPCIS field (quantities, transactions, sensors are never in our events).
 */
export interface HashableObjectEvent {
  eventTime: string;
  eventTimeZoneOffset: string;
  epcList: readonly string[];
  action: string;
  bizStep?: string;
  disposition?: string;
  readPoint?: { id: string };
  bizLocation?: { id: string };
  /** Extension fields as `{namespace}name` → value. */
  extensions?: Readonly<Record<string, string>>;
}

const CBV_WEB = 'https://ref.gs1.org/cbv/';

/** UTC with exactly three fractional digits (the algorithm's timestamp rule). */
function canonicalTime(iso: string): string {
  return new Date(iso).toISOString();
}

function cbvTerm(kind: 'BizStep' | 'Disp', value: string): string {
  if (/^https?:/.test(value)) return value;
  const urn = /^urn:epcglobal:cbv:(?:bizstep|disp):(.+)$/.exec(value);
  return `${CBV_WEB}${kind}-${urn ? urn[1]! : value}`;
}

/** The canonical pre-hash string; exported so tests can compare it with the reference's. */
export function preHashString(event: HashableObjectEvent): string {
  const parts = [
    'eventType=ObjectEvent',
    `eventTime=${canonicalTime(event.eventTime)}`,
    `eventTimeZoneOffset=${event.eventTimeZoneOffset}`,
  ];
  if (event.epcList.length > 0) {
    // List members are sorted (the algorithm's rule for child elements).
    const epcs = event.epcList.map(epcUrnToDigitalLink).sort();
    parts.push(`epcList${epcs.map((e) => `epc=${e}`).join('')}`);
  }
  parts.push(`action=${event.action}`);
  if (event.bizStep !== undefined) parts.push(`bizStep=${cbvTerm('BizStep', event.bizStep)}`);
  if (event.disposition !== undefined) parts.push(`disposition=${cbvTerm('Disp', event.disposition)}`);
  if (event.readPoint) parts.push(`readPointid=${epcUrnToDigitalLink(event.readPoint.id)}`);
  if (event.bizLocation) parts.push(`bizLocationid=${epcUrnToDigitalLink(event.bizLocation.id)}`);
  const extensions = Object.entries(event.extensions ?? {})
    .map(([name, value]) => `${name}=${value.trim()}`)
    .sort();
  return parts.join('') + extensions.join('');
}

export function hashPreHashString(preHash: string): string {
  return `ni:///sha-256;${createHash('sha256').update(preHash, 'utf8').digest('hex')}?ver=CBV2.0`;
}

export function eventHashId(event: HashableObjectEvent): string {
  return hashPreHashString(preHashString(event));
}
