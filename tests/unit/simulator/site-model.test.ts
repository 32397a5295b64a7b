import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE_FILE, loadSiteLayout } from '../../../runtime/site-file.js';
import { ConfigError } from '../../../runtime/errors.js';
import { SiteLayout } from '../../../schemas/index.js';
import { buildSiteModel } from '../../../simulators/site-model.js';
import { CustomsSeed } from '../../../simulators/customs-seed.js';
import { ScheduleSeed } from '../../../simulators/schedule-seed.js';

let demo: SiteLayout;
beforeAll(async () => {
  demo = await loadSiteLayout(DEMO_SITE_FILE);
});

describe('site model', () => {
  it('cross-reads follow `neighbours` from the point of view of the zone being read', () => {
    const model = buildSiteModel(demo);
    // GATE-N lists WH1-DOCK-1, so dock 1's antennas cross-read tags in the gate; ROAD lists
    // nobody, so no antenna reads tags on the road.
    expect(model.crossReadZones('WH1-DOCK-1')).toContain('GATE-N');
    expect(demo.zones.flatMap((z) => model.crossReadZones(z.id))).not.toContain('ROAD');
    expect(model.crossReadZones('WH1-STOR-B').sort()).toEqual(['WH1-DOCK-2', 'WH1-STOR-A', 'WH1-STOR-C']);
  });

  it('orders each reader’s antennas by port and marks portal readers', () => {
    const model = buildSiteModel(demo);
    const gate = model.readers.find((r) => r.reader.id === 'RD-GATE-N')!;
    expect(gate.antennas.map((a) => a.port)).toEqual([1, 2, 3, 4]);
    expect(gate.hasPortal).toBe(true);
    expect(model.readers.find((r) => r.reader.id === 'RD-STOR-A')!.hasPortal).toBe(false);
  });

  it('refuses a site without the zones a pallet flow needs, naming the kind', () => {
    const noStaging = SiteLayout.parse({
      ...demo,
      zones: demo.zones
        .filter((z) => z.kind !== 'STAGING')
        .map((z) => ({ ...z, neighbours: z.neighbours.filter((n) => n !== 'WH1-STAGE') })),
      antennas: demo.antennas.filter((a) => a.zone !== 'WH1-STAGE'),
      customs: {},
    });
    expect(() => buildSiteModel(noStaging)).toThrow(ConfigError);
    expect(() => buildSiteModel(noStaging)).toThrow(/STAGING/);
  });

  it('uses every gate both ways when adjacency does not tell entry from exit', () => {
    const site = SiteLayout.parse({
      ...demo,
      zones: demo.zones.map((z) => ({ ...z, neighbours: [] })),
    });
    const model = buildSiteModel(site);
    expect(model.entryGates.map((g) => g.id).sort()).toEqual(['GATE-N', 'GATE-S']);
    expect(model.exitGates.map((g) => g.id).sort()).toEqual(['GATE-N', 'GATE-S']);
  });
});

describe('seed file schemas', () => {
  it('name the bad field', () => {
    const customs = CustomsSeed.safeParse({
      v: 1,
      site: 'X',
      statuses: [{ epc: 'abc', declarationId: 'D', status: 'GONE', atOffsetSec: -1 }],
    });
    expect(customs.success).toBe(false);
    expect(new Set(customs.error!.issues.map((i) => i.path.join('.')))).toEqual(
      new Set(['statuses.0.atOffsetSec', 'statuses.0.epc', 'statuses.0.status']),
    );
    const schedule = ScheduleSeed.safeParse({
      v: 1,
      site: 'X',
      arrivals: [{ truckId: 'T', atOffsetSec: 0, epcs: [] }],
      incidents: [{ kind: 'FIRE', epc: '3100', atOffsetSec: 0 }],
    });
    expect(new Set(schedule.error!.issues.map((i) => i.path.join('.')))).toEqual(
      new Set(['arrivals.0.epcs', 'incidents.0.kind']),
    );
  });
});
