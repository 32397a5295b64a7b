import type pg from 'pg';
import { writeConsumerLag } from '../../../pipeline/sink/consumer-lag-recorder.js';
import { saveSiteLayout } from '../../../pipeline/sink/site-layout-tables.js';
import { upsertPallets, writeBatch } from '../../../pipeline/sink/writer.js';
import { deterministicId } from '../../../runtime/ids.js';
import { loadSiteLayout } from '../../../runtime/site-file.js';
import type { Alert, CustomsStatus, Observation, SiteLayout, ZoneEvent } from '../../../schemas/index.js';
import { encodeSscc96, toSscc } from '../../../simulators/sscc-96.js';

export const SEED_SITE_FILE = new URL('../../../seeds/demo-site.yaml', import.meta.url);

const MINUTE_US = 60_000_000;

function ssccEpc(serial: number): { epc: string; sscc: string } {
  const companyPrefix = '6923456';
  const serialReference = `0${String(serial).padStart(9, '0')}`;
  return {
    epc: encodeSscc96({ filter: 6, companyPrefix, serialReference }),
    sscc: toSscc({ companyPrefix, serialReference }),
  };
}

export interface SeededData {
  site: SiteLayout;
  /** In the manifest: stored in STAGE unreleased; departed released; left unreleased; never seen. */
  staged: { epc: string; sscc: string };
  departed: { epc: string; sscc: string };
  smuggled: { epc: string; sscc: string };
  missing: { epc: string; sscc: string };
  /** Not in the manifest. */
  unknownEpc: string;
  zoneEvents: ZoneEvent[];
  observations: Observation[];
  /** Start of the story, µs; everything happens within the 40 minutes before the seed ran. */
  startUs: number;
  /** Consumer-lag samples: lag of each (group, topic) summed over partitions, per minute of the story. */
  consumerLag: Array<{ atUs: number; groupId: string; topic: string; lag: number }>;
}

/**
 * A small, complete story at the demo site, written through the sink's own writer: pallets arriving,
 * moving, departing with and without customs release, an unknown tag, a pallet never seen, reader
 * health, dead letters. Times are within the last hour so dashboards' default ranges see them.
 */
export async function seedDashboardData(pool: pg.Pool, schema: string): Promise<SeededData> {
  const site = await loadSiteLayout(SEED_SITE_FILE.pathname);
  const s = site.site;
  const startUs = Math.floor(Date.now() / 60_000) * MINUTE_US - 40 * MINUTE_US;
  const staged = ssccEpc(1);
  const departed = ssccEpc(2);
  const smuggled = ssccEpc(3);
  const missing = ssccEpc(4);
  const unknownEpc = 'E2801160600002054CC2096F';

  const observations: Observation[] = [];
  const observe = (epc: string, readerId: string, antenna: number, zone: string, atUs: number): string => {
    const id = deterministicId('seed-obs', epc, readerId, antenna, atUs);
    observations.push({
      v: 1,
      id,
      site: s,
      epc,
      readerId,
      antenna,
      zone,
      firstSeenUs: atUs,
      lastSeenUs: atUs + 800_000,
      count: 4,
      maxRssiDbm: -52,
      meanRssiDbm: -58.5,
    });
    return id;
  };
  const zoneEvents: ZoneEvent[] = [];
  const event = (
    epc: string,
    kind: ZoneEvent['kind'],
    atUs: number,
    reader: [string, number, string],
    move: { fromZone?: string; toZone?: string; direction?: 'IN' | 'OUT' },
  ): void => {
    const evidence = [observe(epc, reader[0], reader[1], reader[2], atUs - 1_000_000)];
    zoneEvents.push({
      v: 1,
      id: deterministicId('seed-event', epc, kind, atUs),
      site: s,
      epc,
      kind,
      atUs,
      confidence: 0.93,
      evidence,
      ...move,
    });
  };
  const t = (minutes: number): number => startUs + minutes * MINUTE_US;

  event(staged.epc, 'ARRIVED', t(0), ['RD-DOCK-1', 1, 'WH1-DOCK-1'], { toZone: 'WH1-DOCK-1' });
  event(staged.epc, 'MOVED', t(4), ['RD-STOR-A', 2, 'WH1-STOR-A'], {
    fromZone: 'WH1-DOCK-1',
    toZone: 'WH1-STOR-A',
  });
  event(staged.epc, 'MOVED', t(20), ['RD-STAGE', 1, 'WH1-STAGE'], {
    fromZone: 'WH1-STOR-A',
    toZone: 'WH1-STAGE',
  });
  event(departed.epc, 'ARRIVED', t(1), ['RD-DOCK-2', 1, 'WH1-DOCK-2'], { toZone: 'WH1-DOCK-2' });
  event(departed.epc, 'MOVED', t(6), ['RD-STOR-B', 3, 'WH1-STOR-B'], {
    fromZone: 'WH1-DOCK-2',
    toZone: 'WH1-STOR-B',
  });
  event(departed.epc, 'MOVED', t(25), ['RD-STAGE', 2, 'WH1-STAGE'], {
    fromZone: 'WH1-STOR-B',
    toZone: 'WH1-STAGE',
  });
  event(departed.epc, 'CROSSED_GATE', t(30), ['RD-GATE-S', 3, 'GATE-S'], {
    toZone: 'GATE-S',
    direction: 'OUT',
  });
  event(departed.epc, 'DEPARTED', t(31), ['RD-GATE-S', 4, 'GATE-S'], { fromZone: 'WH1-STAGE' });
  event(smuggled.epc, 'ARRIVED', t(2), ['RD-DOCK-1', 2, 'WH1-DOCK-1'], { toZone: 'WH1-DOCK-1' });
  event(smuggled.epc, 'CROSSED_GATE', t(10), ['RD-GATE-S', 3, 'GATE-S'], {
    toZone: 'GATE-S',
    direction: 'OUT',
  });
  event(smuggled.epc, 'DEPARTED', t(11), ['RD-GATE-S', 4, 'GATE-S'], { fromZone: 'WH1-DOCK-1' });
  event(unknownEpc, 'ARRIVED', t(5), ['RD-STOR-C', 1, 'WH1-STOR-C'], { toZone: 'WH1-STOR-C' });
  // Steady reads of the pallets sitting in storage and staging: one window per minute.
  for (let m = 0; m < 40; m++) {
    if (m >= 4 && m < 20) observe(staged.epc, 'RD-STOR-A', 1 + (m % 4), 'WH1-STOR-A', t(m) + 30_000_000);
    if (m >= 20) observe(staged.epc, 'RD-STAGE', 1 + (m % 2), 'WH1-STAGE', t(m) + 30_000_000);
    if (m >= 5) observe(unknownEpc, 'RD-STOR-C', 1, 'WH1-STOR-C', t(m) + 30_000_000);
  }

  const customs: CustomsStatus[] = [
    { v: 1, site: s, epc: staged.epc, declarationId: 'D-1', status: 'DECLARED', atUs: t(0) },
    { v: 1, site: s, sscc: departed.sscc, declarationId: 'D-2', status: 'DECLARED', atUs: t(0) },
    { v: 1, site: s, sscc: departed.sscc, declarationId: 'D-2', status: 'RELEASED', atUs: t(22) },
    { v: 1, site: s, epc: smuggled.epc, declarationId: 'D-3', status: 'HELD', atUs: t(3) },
  ];
  const alert = (
    kind: Alert['kind'],
    severity: Alert['severity'],
    atUs: number,
    more: Partial<Alert>,
  ): Alert => ({
    v: 1,
    id: deterministicId('seed-alert', kind, atUs),
    site: s,
    kind,
    severity,
    atUs,
    details: {},
    ...more,
  });
  const alerts: Alert[] = [
    alert('UNRELEASED_EXIT', 'CRITICAL', t(10), {
      epc: smuggled.epc,
      zone: 'GATE-S',
      details: { declarationId: 'D-3' },
    }),
    alert('UNKNOWN_TAG', 'WARNING', t(5), { epc: unknownEpc, zone: 'WH1-STOR-C' }),
    alert('DWELL_EXCEEDED', 'WARNING', t(19), {
      epc: staged.epc,
      zone: 'WH1-STOR-A',
      details: { dwellSec: 900 },
    }),
    alert('READER_DOWN', 'WARNING', t(15), { readerId: 'RD-INSP' }),
    // As the bridge raises it (pipeline/bridge/batch-sequence.ts readerGapAlert).
    alert('READER_GAP', 'WARNING', t(16), {
      readerId: 'RD-DOCK-2',
      details: { bootKey: 'RD-DOCK-2:k3x9', fromSeq: 120, toSeq: 124, missingBatches: 5 },
    }),
  ];
  await upsertPallets(pool, schema, s, [
    { ...staged, declarationId: 'D-1', description: 'Machine parts', consignee: 'Acme', expectedAtUs: t(-5) },
    { ...departed, declarationId: 'D-2', description: 'Textiles', consignee: 'Beta' },
    { ...smuggled, declarationId: 'D-3', description: 'Electronics', consignee: 'Gamma' },
    { ...missing, declarationId: 'D-4', description: 'Wine', consignee: 'Delta', expectedAtUs: t(-10) },
  ]);
  await saveSiteLayout(pool, schema, site);
  await writeBatch(pool, schema, {
    observations,
    zoneEvents,
    alerts,
    customs,
    readerStatus: [
      { v: 1, site: s, readerId: 'RD-GATE-S', state: 'online', atUs: t(0) },
      { v: 1, site: s, readerId: 'RD-INSP', state: 'online', atUs: t(0) },
      { v: 1, site: s, readerId: 'RD-INSP', state: 'offline', atUs: t(15), detail: 'last will' },
    ],
    deadLetters: [0, 1, 2].map((n) => ({
      v: 1 as const,
      stage: 'adapter:serial',
      code: 'BT_SERIAL_PARSE',
      reason: 'not a tag read',
      site: s,
      readerId: 'RD-DOCK-1',
      payload: `garbage ${n}`,
      payloadEncoding: 'utf8' as const,
      atUs: t(12 + n),
    })),
  });
  // Consumer lag as the sink's recorder samples it: the sink falls behind on observations for a few
  // minutes (a stuck partition 1) and catches up; dedup keeps up.
  const consumerLag: SeededData['consumerLag'] = [];
  for (let m = 30; m < 40; m++) {
    const behind = m >= 33 && m < 37 ? (m - 32) * 500 : 0;
    const lags = [0, 1, 2].flatMap((partition) => [
      {
        groupId: 'bondtrack.sink',
        topic: 'bondtrack.observations.v1',
        partition,
        endOffset: 10_000 * m + partition,
        committedOffset: 10_000 * m + partition - (partition === 1 ? behind : 0),
        lag: partition === 1 ? behind : 0,
      },
      {
        groupId: 'bondtrack.dedup',
        topic: 'bondtrack.reads.v1',
        partition,
        endOffset: 20_000 * m,
        committedOffset: 20_000 * m - 1,
        lag: 1,
      },
    ]);
    await writeConsumerLag(pool, schema, t(m), lags);
    consumerLag.push(
      { atUs: t(m), groupId: 'bondtrack.sink', topic: 'bondtrack.observations.v1', lag: behind },
      { atUs: t(m), groupId: 'bondtrack.dedup', topic: 'bondtrack.reads.v1', lag: 3 },
    );
  }
  return {
    site,
    staged,
    departed,
    smuggled,
    missing,
    unknownEpc,
    zoneEvents,
    observations,
    startUs,
    consumerLag,
  };
}
