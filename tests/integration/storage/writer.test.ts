import type pg from 'pg';
import { describe, expect, test } from 'vitest';
import { createPool } from '../../../pipeline/sink/database.js';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { DEAD_LETTER_PAYLOAD_CHARS } from '../../../pipeline/sink/table-writes.js';
import {
  applyPositions,
  upsertPallets,
  writeBatch,
  writeObservations,
  type SinkBatch,
} from '../../../pipeline/sink/writer.js';
import type { ZoneEvent } from '../../../schemas/index.js';
import {
  EPC,
  SITE,
  T0_US,
  alert,
  customs,
  deadLetter,
  observation,
  quietLogger,
  readerStatus,
  testPool,
  testSchema,
  zoneEvent,
} from './storage-fixtures.js';

async function migratedSchema(pool: pg.Pool): Promise<string> {
  const schema = testSchema(pool);
  await migrate(pool, { schema });
  return schema;
}

async function count(pool: pg.Pool, schema: string, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(table)}`,
  );
  return Number(rows[0]!.n);
}

const S = 1_000_000;

function fullBatch(): SinkBatch {
  return {
    observations: [observation(1), observation(2), observation(3)],
    zoneEvents: [
      zoneEvent('ARRIVED', T0_US, { toZone: 'DOCK-A' }),
      zoneEvent('MOVED', T0_US + 60 * S, { fromZone: 'DOCK-A', toZone: 'STORE-1' }),
    ],
    alerts: [alert(1), alert(2)],
    readerStatus: [readerStatus('online', T0_US), readerStatus('degraded', T0_US + S)],
    customs: [customs('DECLARED', T0_US), customs('RELEASED', T0_US + 3600 * S)],
    deadLetters: [deadLetter(1)],
  };
}

describe('writeBatch', () => {
  test('writing the same batch twice stores each row once and counts the duplicates', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);

    const first = await writeBatch(pool, schema, fullBatch());
    expect(first).toMatchObject({
      inserted: 12,
      skipped: 0,
      observations: { inserted: 3, duplicates: 0 },
      zoneEvents: { inserted: 2, duplicates: 0 },
      alerts: { inserted: 2, duplicates: 0 },
      readerStatus: { inserted: 2, duplicates: 0 },
      customs: { inserted: 2, duplicates: 0 },
      deadLetters: { inserted: 1, duplicates: 0 },
      positions: { moved: 1, stale: 1 },
      rejected: [],
    });
    const positionsBefore = await pool.query(`SELECT * FROM ${quoteIdent(schema)}.positions`);

    const second = await writeBatch(pool, schema, fullBatch());
    expect(second).toMatchObject({
      inserted: 0,
      skipped: 12,
      observations: { inserted: 0, duplicates: 3 },
      deadLetters: { inserted: 0, duplicates: 1 },
      positions: { moved: 0, stale: 2 },
    });
    const tables = [
      'observations',
      'zone_events',
      'alerts',
      'reader_status',
      'customs_status',
      'dead_letters',
      'positions',
    ];
    const counts = await Promise.all(tables.map((t) => count(pool, schema, t)));
    expect(Object.fromEntries(tables.map((t, i) => [t, counts[i]]))).toEqual({
      observations: 3,
      zone_events: 2,
      alerts: 2,
      reader_status: 2,
      customs_status: 2,
      dead_letters: 1,
      positions: 1,
    });
    expect((await pool.query(`SELECT * FROM ${quoteIdent(schema)}.positions`)).rows).toEqual(
      positionsBefore.rows,
    );
  });

  test('a row repeated within one batch is stored once', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    expect(await writeObservations(pool, schema, [observation(1), observation(1), observation(2)])).toEqual({
      inserted: 2,
      duplicates: 1,
    });
  });

  test('keeps exact microseconds, and the timestamptz columns agree with them', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const obs = Array.from({ length: 50 }, (_, i) =>
      observation(i, { firstSeenUs: T0_US + i * 7_777_777 + i, lastSeenUs: T0_US + i * 7_777_777 + 999_999 }),
    );
    await writeBatch(pool, schema, { observations: obs, alerts: [alert(1, { atUs: T0_US + 1 })] });
    const { rows } = await pool.query<{
      id: string;
      first_seen_us: string;
      last_seen_us: string;
      exact: boolean;
      text: string;
    }>(
      `SELECT id, first_seen_us, last_seen_us,
              (extract(epoch FROM first_seen) * 1000000)::bigint = first_seen_us
                AND (extract(epoch FROM last_seen) * 1000000)::bigint = last_seen_us AS exact,
              to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS text
       FROM ${quoteIdent(schema)}.observations`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const o of obs) {
      const row = byId.get(o.id)!;
      expect([row.first_seen_us, row.last_seen_us, row.exact]).toEqual([
        String(o.firstSeenUs),
        String(o.lastSeenUs),
        true,
      ]);
    }
    expect(byId.get(obs[0]!.id)!.text).toBe('2025-06-01T08:00:00.123456');
  });

  test('stores every field of every contract, optional ones as NULL', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const sparse = observation(9, { zone: undefined, maxRssiDbm: undefined, meanRssiDbm: undefined });
    const event = zoneEvent('CROSSED_GATE', T0_US, { toZone: 'GATE-1', direction: 'OUT' });
    await writeBatch(pool, schema, {
      observations: [observation(1), sparse],
      zoneEvents: [event],
      alerts: [alert(3)],
    });
    const q = quoteIdent(schema);
    const obs = await pool.query(
      `SELECT id, zone, antenna, count, max_rssi_dbm, mean_rssi_dbm FROM ${q}.observations ORDER BY first_seen`,
    );
    expect(obs.rows).toEqual([
      {
        id: observation(1).id,
        zone: 'DOCK-A',
        antenna: 2,
        count: 4,
        max_rssi_dbm: -51.25,
        mean_rssi_dbm: -57.123456789,
      },
      { id: sparse.id, zone: null, antenna: 2, count: 12, max_rssi_dbm: null, mean_rssi_dbm: null },
    ]);
    const events = await pool.query(
      `SELECT kind, from_zone, to_zone, direction, confidence, evidence FROM ${q}.zone_events`,
    );
    expect(events.rows).toEqual([
      {
        kind: 'CROSSED_GATE',
        from_zone: null,
        to_zone: 'GATE-1',
        direction: 'OUT',
        confidence: 0.9,
        evidence: event.evidence,
      },
    ]);
    // Stamped with the database's clock at the insert (the bench's stored time), not left empty.
    const stamped = await pool.query<{ ok: boolean }>(
      `SELECT stored_at BETWEEN now() - interval '5 minutes' AND clock_timestamp() AS ok FROM ${q}.zone_events`,
    );
    expect(stamped.rows).toEqual([{ ok: true }]);
    const alerts = await pool.query(`SELECT kind, severity, epc, zone, reader_id, details FROM ${q}.alerts`);
    expect(alerts.rows).toEqual([
      {
        kind: 'DWELL_EXCEEDED',
        severity: 'WARNING',
        epc: EPC,
        zone: 'STORE-1',
        reader_id: null,
        details: alert(3).details,
      },
    ]);
  });

  test('a row the database refuses fails the whole batch, which leaves nothing behind', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const batch: SinkBatch = {
      observations: [observation(1), observation(2, { count: 2 ** 31 })],
      zoneEvents: [zoneEvent('ARRIVED', T0_US, { toZone: 'DOCK-A' })],
    };
    await expect(writeBatch(pool, schema, batch)).rejects.toMatchObject({
      code: 'BT_DB_WRITE_FAILED',
      retriable: false,
      sqlState: '22003',
    });
    expect([
      await count(pool, schema, 'observations'),
      await count(pool, schema, 'zone_events'),
      await count(pool, schema, 'positions'),
    ]).toEqual([0, 0, 0]);
  });

  test('a lost connection fails as retriable; an empty batch never connects', async () => {
    const nowhere = createPool('postgres://postgres@127.0.0.1:1/test', {
      max: 1,
      connectionTimeoutMs: 2_000,
      logger: quietLogger(),
    });
    try {
      await expect(writeBatch(nowhere, 'bt_none', { observations: [observation(1)] })).rejects.toMatchObject({
        retriable: true,
      });
      expect(await writeBatch(nowhere, 'bt_none', { observations: [], alerts: [] })).toMatchObject({
        inserted: 0,
        skipped: 0,
      });
    } finally {
      await nowhere.end();
    }
  });

  test('reader statuses without atUs (last wills) are handed back, the rest stored; readers_current shows the latest', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const will = readerStatus('offline', undefined);
    const result = await writeBatch(pool, schema, {
      readerStatus: [
        readerStatus('online', T0_US),
        will,
        readerStatus('offline', T0_US + 5 * S),
        readerStatus('online', T0_US + 2 * S, 'gate-1'),
      ],
    });
    expect(result.readerStatus).toEqual({ inserted: 3, duplicates: 0 });
    expect(result.rejected).toEqual([
      { table: 'reader_status', reason: expect.stringContaining('atUs') as string, row: will },
    ]);
    // An older status arriving late does not change the current state.
    await writeBatch(pool, schema, { readerStatus: [readerStatus('degraded', T0_US + S)] });
    const current = await pool.query(
      `SELECT reader_id, state, at_us FROM ${quoteIdent(schema)}.readers_current ORDER BY reader_id`,
    );
    expect(current.rows).toEqual([
      { reader_id: 'dock-1', state: 'offline', at_us: String(T0_US + 5 * S) },
      { reader_id: 'gate-1', state: 'online', at_us: String(T0_US + 2 * S) },
    ]);
  });

  test('dead-letter payloads are cut at 64 KiB and keep their length', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    await writeBatch(pool, schema, { deadLetters: [deadLetter(1, 'x'.repeat(70_000))] });
    const { rows } = await pool.query(
      `SELECT length(payload) AS stored, payload_chars FROM ${quoteIdent(schema)}.dead_letters`,
    );
    expect(rows).toEqual([{ stored: DEAD_LETTER_PAYLOAD_CHARS, payload_chars: 70_000 }]);
  });
});

describe('pallets and customs status', () => {
  test('upsertPallets stores the manifest, re-running changes nothing, an edit updates the row', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const manifest = [
      {
        epc: EPC,
        sscc: '069501234500000017',
        declarationId: 'D-2025-0001',
        description: 'LCD panels',
        consignee: 'Acme',
        expectedAtUs: T0_US,
      },
      {
        epc: '3034257BF7194E4000000002',
        sscc: '069501234500000024',
        description: 'Cables',
        consignee: 'Acme',
      },
    ];
    expect(await upsertPallets(pool, schema, SITE, manifest)).toEqual({ changed: 2, unchanged: 0 });
    expect(await upsertPallets(pool, schema, SITE, manifest)).toEqual({ changed: 0, unchanged: 2 });
    expect(
      await upsertPallets(pool, schema, SITE, [{ ...manifest[1]!, declarationId: 'D-2025-0002' }]),
    ).toEqual({ changed: 1, unchanged: 0 });
    const { rows } = await pool.query(
      `SELECT epc, declaration_id, expected_at_us FROM ${quoteIdent(schema)}.pallets ORDER BY epc`,
    );
    expect(rows).toEqual([
      { epc: EPC, declaration_id: 'D-2025-0001', expected_at_us: String(T0_US) },
      { epc: '3034257BF7194E4000000002', declaration_id: 'D-2025-0002', expected_at_us: null },
    ]);
  });

  test('customs_current shows the latest status per pallet, resolving SSCC-keyed changes through the manifest', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const sscc = '069501234500000017';
    await writeBatch(pool, schema, {
      customs: [
        customs('DECLARED', T0_US),
        customs('HELD', T0_US + 10 * S, { sscc }),
        customs('RELEASED', T0_US + 20 * S, { sscc: '069501234500000024' }),
      ],
    });
    // The manifest arrives after the statuses: the view still joins them.
    await upsertPallets(pool, schema, SITE, [
      { epc: EPC, sscc, description: 'LCD panels', consignee: 'Acme' },
    ]);
    const { rows } = await pool.query(
      `SELECT epc, sscc, status FROM ${quoteIdent(schema)}.customs_current ORDER BY status`,
    );
    expect(rows).toEqual([
      { epc: EPC, sscc, status: 'HELD' },
      { epc: null, sscc: '069501234500000024', status: 'RELEASED' },
    ]);
  });
});

describe('applyPositions', () => {
  async function positionOf(pool: pg.Pool, schema: string, epc = EPC) {
    const { rows } = await pool.query<Record<string, unknown>>(
      `SELECT zone, from_zone, departed, since_us, last_seen_us, last_event_kind FROM ${quoteIdent(schema)}.positions WHERE site = $1 AND epc = $2`,
      [SITE, epc],
    );
    return rows[0];
  }

  test('positions only move forward in event time', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const arrived = zoneEvent('ARRIVED', T0_US, { toZone: 'DOCK-A' });
    const moved = zoneEvent('MOVED', T0_US + 60 * S, { fromZone: 'DOCK-A', toZone: 'STORE-1' });
    const departed = zoneEvent('DEPARTED', T0_US + 120 * S, { fromZone: 'STORE-1' });

    expect(await applyPositions(pool, schema, [moved])).toEqual({ moved: 1, stale: 0 });
    // The older arrival, delivered late, does not move the pallet back to the dock.
    expect(await applyPositions(pool, schema, [arrived])).toEqual({ moved: 0, stale: 1 });
    expect(await positionOf(pool, schema)).toMatchObject({
      zone: 'STORE-1',
      from_zone: 'DOCK-A',
      departed: false,
      since_us: String(T0_US + 60 * S),
    });

    await applyPositions(pool, schema, [departed]);
    expect(await positionOf(pool, schema)).toMatchObject({
      zone: null,
      from_zone: 'STORE-1',
      departed: true,
      last_event_kind: 'DEPARTED',
    });
    // A replay of the move after the departure leaves it departed.
    expect(await applyPositions(pool, schema, [moved, arrived])).toEqual({ moved: 0, stale: 2 });
    expect(await positionOf(pool, schema)).toMatchObject({
      departed: true,
      since_us: String(T0_US + 120 * S),
    });

    // Re-arrival later in event time places it again.
    await applyPositions(pool, schema, [zoneEvent('ARRIVED', T0_US + 600 * S, { toZone: 'DOCK-B' })]);
    expect(await positionOf(pool, schema)).toMatchObject({ zone: 'DOCK-B', departed: false });
  });

  test('two moves in the same microsecond: the larger event id wins, in one batch or across batches', async () => {
    const pool = testPool();
    const [a, b] = [
      zoneEvent('MOVED', T0_US, { fromZone: 'DOCK-A', toZone: 'STORE-1' }),
      zoneEvent('MOVED', T0_US, { fromZone: 'DOCK-A', toZone: 'STORE-2' }),
    ].sort((x, y) => x.id.localeCompare(y.id)) as [ZoneEvent, ZoneEvent];
    for (const deliveries of [[[a, b]], [[b, a]], [[a], [b]], [[b], [a]]]) {
      const schema = await migratedSchema(pool);
      for (const batch of deliveries) await applyPositions(pool, schema, batch);
      expect(await positionOf(pool, schema)).toMatchObject({ zone: b.toZone });
    }
  });

  test('a gate crossing advances last_seen but does not place or move a pallet', async () => {
    const pool = testPool();
    const schema = await migratedSchema(pool);
    const other = '3034257BF7194E40000000FF';
    await applyPositions(pool, schema, [
      zoneEvent('CROSSED_GATE', T0_US, { epc: other, toZone: 'GATE-1', direction: 'IN' }),
    ]);
    expect(await positionOf(pool, schema, other)).toBeUndefined();

    await applyPositions(pool, schema, [zoneEvent('ARRIVED', T0_US, { toZone: 'STORE-1' })]);
    await applyPositions(pool, schema, [
      zoneEvent('CROSSED_GATE', T0_US + 30 * S, { toZone: 'GATE-1', direction: 'OUT' }),
    ]);
    expect(await positionOf(pool, schema)).toMatchObject({
      zone: 'STORE-1',
      since_us: String(T0_US),
      last_seen_us: String(T0_US + 30 * S),
    });
    // An older crossing does not pull last_seen back.
    await applyPositions(pool, schema, [
      zoneEvent('CROSSED_GATE', T0_US + 10 * S, { toZone: 'GATE-1', direction: 'IN' }),
    ]);
    expect(await positionOf(pool, schema)).toMatchObject({ last_seen_us: String(T0_US + 30 * S) });
  });

  test('the final positions do not depend on the order or batching of the events', async () => {
    const pool = testPool();
    const epcs = Array.from(
      { length: 12 },
      (_, i) => `3034257BF7194E40000001${i.toString(16).padStart(2, '0').toUpperCase()}`,
    );
    const zones = ['DOCK-A', 'STORE-1', 'STORE-2', 'INSPECT'];
    const events: ZoneEvent[] = [];
    epcs.forEach((epc, p) => {
      let zone = zones[p % zones.length]!;
      events.push(zoneEvent('ARRIVED', T0_US + p * S, { epc, toZone: zone }));
      for (let k = 1; k <= 6; k++) {
        const next = zones[(p + k) % zones.length]!;
        // Every third pallet has two events in the same microsecond: the event id breaks the tie.
        const atUs = T0_US + (p + k * 10) * S + (p % 3 === 0 && k === 3 ? -10 * S : 0);
        events.push(zoneEvent('MOVED', atUs, { epc, fromZone: zone, toZone: next }));
        events.push(zoneEvent('CROSSED_GATE', atUs + 5 * S, { epc, toZone: 'GATE-1', direction: 'IN' }));
        zone = next;
      }
      if (p % 4 === 1) events.push(zoneEvent('DEPARTED', T0_US + (p + 80) * S, { epc, fromZone: zone }));
    });

    const snapshot = async (schema: string) =>
      (
        await pool.query<Record<string, unknown>>(
          `SELECT * FROM ${quoteIdent(schema)}.positions ORDER BY epc`,
        )
      ).rows;
    const inOrder = await migratedSchema(pool);
    await applyPositions(
      pool,
      inOrder,
      [...events].sort((a, b) => a.atUs - b.atUs || a.id.localeCompare(b.id)),
    );
    const expected = await snapshot(inOrder);
    expect(expected).toHaveLength(epcs.length);
    expect(expected.filter((r) => r['departed'] === true)).toHaveLength(3);

    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 3; round++) {
      const shuffled = [...events].sort(() => random() - 0.5);
      const schema = await migratedSchema(pool);
      // Random batch sizes, each event also delivered twice somewhere (at-least-once).
      const deliveries = [...shuffled, ...shuffled.slice(0, 20)];
      for (let i = 0; i < deliveries.length;) {
        const size = 1 + Math.floor(random() * 15);
        await applyPositions(pool, schema, deliveries.slice(i, i + size));
        i += size;
      }
      expect(await snapshot(schema)).toEqual(expected);
    }
  });
});
