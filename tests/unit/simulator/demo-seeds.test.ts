import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  DEMO_MANIFEST_FILE,
  DEMO_SITE_FILE,
  loadManifest,
  loadSiteLayout,
} from '../../../runtime/site-file.js';
import { formatSeed, generateDemo } from '../../../seeds/generate-demo.js';
import { DEMO_CUSTOMS_FILE, loadCustomsSeed } from '../../../simulators/customs-seed.js';
import { DEMO_SCHEDULE_FILE, loadScheduleSeed } from '../../../simulators/schedule-seed.js';
import { buildSiteModel } from '../../../simulators/site-model.js';
import { decodeSscc96, isValidSscc } from '../../../simulators/sscc-96.js';

describe('demo seeds', () => {
  it('the site is a bonded zone with the zones, readers and antennas the demo needs', async () => {
    const site = await loadSiteLayout(DEMO_SITE_FILE);
    expect(site.site).toBe('WGQ-DEMO');
    expect(site.timezone).toBe('Asia/Shanghai');
    const kinds = (kind: string): string[] => site.zones.filter((z) => z.kind === kind).map((z) => z.id);
    expect(kinds('OUTSIDE')).toHaveLength(1);
    expect(site.zones.find((z) => z.kind === 'OUTSIDE')!.bonded).toBe(false);
    expect(kinds('GATE').length).toBeGreaterThanOrEqual(2);
    expect(kinds('DOCK').length).toBeGreaterThanOrEqual(2);
    expect(kinds('STORAGE').length).toBeGreaterThanOrEqual(2);
    expect(kinds('INSPECTION')).toHaveLength(1);
    expect(kinds('STAGING').length).toBeGreaterThanOrEqual(1);
    expect(site.zones.filter((z) => z.kind !== 'OUTSIDE').every((z) => z.bonded)).toBe(true);
    expect(site.zones.every((z) => z.sgln?.startsWith('urn:epc:id:sgln:6923456.'))).toBe(true);
    expect(site.readers.length).toBeGreaterThanOrEqual(8);
    expect(site.readers.every((r) => r.protocol === 'serial' && r.address.startsWith('/dev/tty'))).toBe(true);
    expect(site.antennas.length).toBeGreaterThanOrEqual(24);

    // Every gate has a portal: antennas on both sides.
    for (const gate of kinds('GATE')) {
      const roles = site.antennas.filter((a) => a.zone === gate).map((a) => a.role);
      expect(roles).toContain('PORTAL_IN');
      expect(roles).toContain('PORTAL_OUT');
    }
    // Every zone but the road is covered.
    for (const zone of site.zones.filter((z) => z.kind !== 'OUTSIDE' && z.kind !== 'GATE')) {
      expect(
        site.antennas.some((a) => a.zone === zone.id && a.role === 'COVERAGE'),
        zone.id,
      ).toBe(true);
    }
    const model = buildSiteModel(site);
    expect(model.entryGates.map((g) => g.id)).toEqual(['GATE-N']);
    expect(model.exitGates.map((g) => g.id)).toEqual(['GATE-S']);

    expect(site.customs.allowedZones.HELD).toEqual(['CIQ-INSP']);
    expect(site.customs.allowedZones.DECLARED).not.toContain('WH1-STAGE');
    expect(site.customs.dwellLimitsSec['WH1-STAGE']).toBe(1800);
  });

  it('the manifest has ≥ 500 pallets, each a valid SSCC-96 whose sscc matches its EPC', async () => {
    const manifest = await loadManifest(DEMO_MANIFEST_FILE);
    expect(manifest.pallets.length).toBeGreaterThanOrEqual(500);
    expect(new Set(manifest.pallets.map((p) => p.epc)).size).toBe(manifest.pallets.length);
    const partitions = new Set<number>();
    const bad: string[] = [];
    for (const pallet of manifest.pallets) {
      const decoded = decodeSscc96(pallet.epc);
      partitions.add(decoded.partition);
      if (decoded.filter !== 6 || decoded.sscc !== pallet.sscc || !isValidSscc(pallet.sscc))
        bad.push(pallet.epc);
    }
    expect(bad).toEqual([]);
    expect([...partitions].sort()).toEqual([3, 4, 5, 6]);
    expect(manifest.pallets.filter((p) => p.declarationId === undefined).length).toBeGreaterThan(0);
  });

  it('customs records and the schedule refer to manifest pallets and tell a consistent story', async () => {
    const manifest = await loadManifest(DEMO_MANIFEST_FILE);
    const customs = await loadCustomsSeed(DEMO_CUSTOMS_FILE);
    const schedule = await loadScheduleSeed(DEMO_SCHEDULE_FILE);
    const byEpc = new Map(manifest.pallets.map((p) => [p.epc, p]));

    const statuses = new Map<string, string[]>();
    for (const entry of customs.statuses) {
      const pallet = byEpc.get(entry.epc);
      expect(pallet?.declarationId, entry.epc).toBe(entry.declarationId);
      statuses.set(entry.epc, [...(statuses.get(entry.epc) ?? []), entry.status]);
    }
    const stories = new Set([...statuses.values()].map((s) => s.join('>')));
    expect([...stories].sort()).toEqual([
      'DECLARED',
      'DECLARED>INSPECTION_REQUIRED>HELD',
      'DECLARED>INSPECTION_REQUIRED>HELD>RELEASED',
      'DECLARED>INSPECTION_REQUIRED>RELEASED',
      'DECLARED>RELEASED',
    ]);
    // Undeclared pallets have no customs records; declared ones all have some.
    for (const pallet of manifest.pallets)
      expect(statuses.has(pallet.epc), pallet.epc).toBe(pallet.declarationId !== undefined);

    const scheduled = schedule.arrivals.flatMap((a) => a.epcs);
    expect(scheduled.sort()).toEqual([...byEpc.keys()].sort());
    expect(new Set(schedule.incidents.map((i) => i.kind))).toEqual(
      new Set(['EXIT_WITHOUT_RELEASE', 'HELD_PALLET_MOVED', 'LEFT_IN_STAGING', 'TAG_SILENCED']),
    );
    for (const incident of schedule.incidents) expect(byEpc.has(incident.epc)).toBe(true);
  });

  it('the generated files are exactly what seeds/generate-demo.ts writes, with the do-not-edit note', async () => {
    const { manifest, customs, schedule } = generateDemo();
    expect(await readFile(DEMO_MANIFEST_FILE, 'utf8')).toBe(formatSeed(manifest));
    expect(await readFile(DEMO_CUSTOMS_FILE, 'utf8')).toBe(formatSeed(customs));
    expect(await readFile(DEMO_SCHEDULE_FILE, 'utf8')).toBe(formatSeed(schedule));
    expect(JSON.parse(await readFile(DEMO_MANIFEST_FILE, 'utf8'))).toMatchObject({
      _generated: 'generated by seeds/generate-demo.ts, do not edit',
    });
  });
});
