import { z } from 'zod';
import { CustomsState } from './customs-status.js';
import { Identifier } from './primitives.js';

export const ZoneKind = z.enum(['GATE', 'DOCK', 'STORAGE', 'INSPECTION', 'STAGING', 'OUTSIDE']);
export type ZoneKind = z.infer<typeof ZoneKind>;

export const Zone = z.object({
  id: Identifier,
  name: z.string().min(1).max(120),
  kind: ZoneKind,
  /** Inside the customs-bonded area (goods under customs supervision until released). */
  bonded: z.boolean(),
  /** Zones whose antennas can cross-read tags in this one (RF neighbours). */
  neighbours: z.array(Identifier).default([]),
  /**
   * For a GATE: the zone on the outer side of its portal, where a pallet that crossed it OUT is.
   * A gate whose outer side is not bonded leads out of the bonded area (an exit for customs).
   */
  outside: Identifier.optional(),
  /** GS1 Global Location Number of the zone, for EPCIS readPoint/bizLocation. */
  sgln: z
    .string()
    .regex(/^urn:epc:id:sgln:/)
    .optional(),
});
export type Zone = z.infer<typeof Zone>;

export const ReaderProtocol = z.enum([
  'serial',
  'llrp',
  'impinj-iot',
  'speedway-connect',
  'zebra-iotc',
  'simulator',
]);
export type ReaderProtocol = z.infer<typeof ReaderProtocol>;

export const Reader = z.object({
  id: Identifier,
  protocol: ReaderProtocol,
  /** Where the adapter finds it: a device path (/dev/ttyUSB0), host:port, or an MQTT topic. */
  address: z.string().min(1).max(200),
  model: z.string().max(120).optional(),
});
export type Reader = z.infer<typeof Reader>;

/**
 * COVERAGE antennas see a zone. A gate's portal has two sides: PORTAL_IN faces the bonded (inner)
 * side and PORTAL_OUT the outer side, so PORTAL_IN then PORTAL_OUT means the pallet went OUT.
 */
export const AntennaRole = z.enum(['COVERAGE', 'PORTAL_IN', 'PORTAL_OUT']);
export type AntennaRole = z.infer<typeof AntennaRole>;

export const Antenna = z.object({
  reader: Identifier,
  port: z.int().min(1).max(65535),
  zone: Identifier,
  role: AntennaRole,
});
export type Antenna = z.infer<typeof Antenna>;

export const CustomsRules = z.object({
  /** Longest a pallet may stay in a zone, in seconds, by zone id. */
  dwellLimitsSec: z.record(Identifier, z.int().positive()).default({}),
  /** Zones a pallet may be in, by customs status; a status not listed may be anywhere. */
  allowedZones: z.partialRecord(CustomsState, z.array(Identifier)).default({}),
  /** A pallet not seen for this long is MISSING. */
  missingAfterSec: z.int().positive().default(3600),
});
export type CustomsRules = z.infer<typeof CustomsRules>;

export const SiteLayout = z
  .object({
    v: z.literal(1),
    site: Identifier,
    name: z.string().min(1).max(200),
    /** IANA time zone of the site, for readers that print local time. */
    timezone: z.string().min(1).default('UTC'),
    zones: z.array(Zone).min(1),
    readers: z.array(Reader).min(1),
    antennas: z.array(Antenna).min(1),
    customs: CustomsRules.default({ dwellLimitsSec: {}, allowedZones: {}, missingAfterSec: 3600 }),
  })
  .superRefine((site, ctx) => {
    const zoneIds = new Set<string>();
    site.zones.forEach((zone, i) => {
      if (zoneIds.has(zone.id))
        ctx.addIssue({ code: 'custom', path: ['zones', i, 'id'], message: `duplicate zone id ${zone.id}` });
      zoneIds.add(zone.id);
    });
    site.zones.forEach((zone, i) =>
      zone.neighbours.forEach((n, j) => {
        if (!zoneIds.has(n))
          ctx.addIssue({ code: 'custom', path: ['zones', i, 'neighbours', j], message: `unknown zone ${n}` });
      }),
    );
    site.zones.forEach((zone, i) => {
      if (zone.outside === undefined) return;
      if (zone.kind !== 'GATE')
        ctx.addIssue({
          code: 'custom',
          path: ['zones', i, 'outside'],
          message: 'only a GATE has an outer side',
        });
      if (!zoneIds.has(zone.outside))
        ctx.addIssue({
          code: 'custom',
          path: ['zones', i, 'outside'],
          message: `unknown zone ${zone.outside}`,
        });
    });
    const readerIds = new Set<string>();
    site.readers.forEach((reader, i) => {
      if (readerIds.has(reader.id))
        ctx.addIssue({
          code: 'custom',
          path: ['readers', i, 'id'],
          message: `duplicate reader id ${reader.id}`,
        });
      readerIds.add(reader.id);
    });
    const ports = new Set<string>();
    site.antennas.forEach((antenna, i) => {
      if (!readerIds.has(antenna.reader))
        ctx.addIssue({
          code: 'custom',
          path: ['antennas', i, 'reader'],
          message: `unknown reader ${antenna.reader}`,
        });
      if (!zoneIds.has(antenna.zone))
        ctx.addIssue({
          code: 'custom',
          path: ['antennas', i, 'zone'],
          message: `unknown zone ${antenna.zone}`,
        });
      const key = `${antenna.reader}/${antenna.port}`;
      if (ports.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['antennas', i, 'port'],
          message: `reader ${antenna.reader} port ${antenna.port} listed twice`,
        });
      ports.add(key);
    });
    for (const zone of Object.keys(site.customs.dwellLimitsSec)) {
      if (!zoneIds.has(zone))
        ctx.addIssue({
          code: 'custom',
          path: ['customs', 'dwellLimitsSec', zone],
          message: `unknown zone ${zone}`,
        });
    }
    for (const [status, zones] of Object.entries(site.customs.allowedZones)) {
      zones?.forEach((zone, j) => {
        if (!zoneIds.has(zone))
          ctx.addIssue({
            code: 'custom',
            path: ['customs', 'allowedZones', status, j],
            message: `unknown zone ${zone}`,
          });
      });
    }
  });
export type SiteLayout = z.infer<typeof SiteLayout>;
