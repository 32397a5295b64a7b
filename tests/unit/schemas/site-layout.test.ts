import { describe, expect, it } from 'vitest';
import { loadSiteLayout, DEMO_SITE_FILE } from '../../../runtime/site-file.js';
import { SiteLayout, SchemaError, parseWith } from '../../../schemas/index.js';

const base = {
  v: 1,
  site: 'S1',
  name: 'site',
  zones: [
    { id: 'IN', name: 'in', kind: 'STORAGE', bonded: true, neighbours: [] },
    { id: 'G', name: 'gate', kind: 'GATE', bonded: true, outside: 'ROAD' },
    { id: 'ROAD', name: 'road', kind: 'OUTSIDE', bonded: false },
  ],
  readers: [{ id: 'R1', protocol: 'serial', address: '/dev/ttyUSB0' }],
  antennas: [
    { reader: 'R1', port: 1, zone: 'IN', role: 'COVERAGE' },
    { reader: 'R1', port: 2, zone: 'G', role: 'PORTAL_IN' },
  ],
  customs: { dwellLimitsSec: { IN: 3600 }, allowedZones: { HELD: ['IN'] } },
};

function issuesOf(value: unknown): string[] {
  try {
    parseWith(SiteLayout, 'site layout', value);
  } catch (err) {
    if (err instanceof SchemaError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('SiteLayout', () => {
  it('accepts a layout and fills defaults', () => {
    const site = SiteLayout.parse(base);
    expect(site.timezone).toBe('UTC');
    expect(site.customs.missingAfterSec).toBe(3600);
    expect(site.zones[2]!.neighbours).toEqual([]);
  });

  it('rejects references to zones and readers that do not exist, naming where', () => {
    expect(
      issuesOf({ ...base, antennas: [{ reader: 'R9', port: 1, zone: 'NOWHERE', role: 'COVERAGE' }] }),
    ).toEqual(['antennas[0].reader: unknown reader R9', 'antennas[0].zone: unknown zone NOWHERE']);
    expect(
      issuesOf({ ...base, customs: { dwellLimitsSec: { X: 5 }, allowedZones: { HELD: ['Y'] } } }),
    ).toEqual(['customs.dwellLimitsSec.X: unknown zone X', 'customs.allowedZones.HELD[0]: unknown zone Y']);
  });

  it('rejects duplicates, a port listed twice and an outer side on a zone that is not a gate', () => {
    const zones = [...base.zones, { id: 'IN', name: 'again', kind: 'DOCK', bonded: true, outside: 'ROAD' }];
    expect(issuesOf({ ...base, zones })).toEqual([
      'zones[3].id: duplicate zone id IN',
      'zones[3].outside: only a GATE has an outer side',
    ]);
    expect(
      issuesOf({
        ...base,
        antennas: [...base.antennas, { reader: 'R1', port: 1, zone: 'IN', role: 'COVERAGE' }],
      }),
    ).toEqual(['antennas[2].port: reader R1 port 1 listed twice']);
  });

  it('rejects an unknown zone kind and antenna role by name', () => {
    const issues = issuesOf({
      ...base,
      zones: [{ ...base.zones[0], kind: 'YARD' }],
      antennas: [{ ...base.antennas[0], role: 'SIDEWAYS' }],
    });
    expect(issues.some((i) => i.startsWith('zones[0].kind:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('antennas[0].role:'))).toBe(true);
  });

  it('loads the demo site, and a file error names the file', async () => {
    const site = await loadSiteLayout(DEMO_SITE_FILE);
    expect(site.readers.length).toBeGreaterThanOrEqual(8);
    expect(site.antennas.length).toBeGreaterThanOrEqual(24);
    await expect(loadSiteLayout('/nonexistent/site.yaml')).rejects.toThrow(
      /cannot read \/nonexistent\/site\.yaml/,
    );
  });
});
