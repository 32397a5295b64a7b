import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { exportEpcis, startEpcisServer, type EpcisDocument } from '../../../pipeline/epcis/index.js';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices } from '../../helpers/services.js';
import { SEED_SITE_FILE, seedDashboardData } from '../storage/dashboard-seed.js';
import { quietLogger, testPool, testSchema } from '../storage/storage-fixtures.js';
import { storagePaths } from '../storage/storage-paths.js';

/** GS1's EPCIS 2.0 JSON schema, vendored with its provenance (schemas/vendor/gs1-epcis/README.md). */
const OFFICIAL_SCHEMA = new URL('../../../schemas/vendor/gs1-epcis/EPCIS-JSON-Schema.json', import.meta.url);
const OFFICIAL_SCHEMA_SHA256 = '70b7ecb60eb605c6edd230761557763e4d470333510d28619291476de635bf20';

let validate: ValidateFunction;
beforeAll(async () => {
  const text = await readFile(OFFICIAL_SCHEMA);
  // The copy is the one the README records: a reformatted or edited schema is not GS1's any more.
  expect(createHash('sha256').update(text).digest('hex')).toBe(OFFICIAL_SCHEMA_SHA256);
  const schema: unknown = JSON.parse(text.toString('utf8'));
  // strict off: GS1's draft-07 schema uses `if` without `then` and types ajv's strict mode flags.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  validate = ajv.compile(schema as object);
});

function expectValid(doc: unknown): void {
  const ok = validate(doc);
  expect(ok ? [] : validate.errors).toEqual([]);
}

const HOUR_MS = 3_600_000;

test('the official EPCIS 2.0 schema refuses what EPCIS 2.0 refuses', () => {
  const event = {
    type: 'ObjectEvent',
    eventTime: '2026-01-01T00:00:00.000Z',
    eventTimeZoneOffset: '+08:00',
    epcList: ['urn:epc:id:sscc:6923456.0000000001'],
    action: 'OBSERVE',
    bizStep: 'arriving',
  };
  const doc = (e: object) => ({
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2026-01-01T00:00:00.000Z',
    epcisBody: { eventList: [e] },
  });
  expect(validate(doc(event))).toBe(true);
  expect(validate(doc({ ...event, bizStep: 'smuggling' }))).toBe(false);
  expect(validate(doc({ ...event, action: 'OBSERVED' }))).toBe(false);
  expect(validate(doc({ ...event, eventTimeZoneOffset: '8' }))).toBe(false);
  expect(validate(doc({ ...event, customsStatus: 'HELD' }))).toBe(false);
  expect(validate(doc({ ...event, 'bt:customsStatus': 'HELD' }))).toBe(true);
  expect(validate(doc({ ...event, epcList: ['not a uri'] }))).toBe(false);
  expect(validate(doc({ ...event, readPoint: 'urn:epc:id:sgln:6923456.00002.0' }))).toBe(false);
  const { creationDate: _, ...undated } = doc(event);
  expect(validate(undated)).toBe(false);
});

describe.each(storagePaths())('EPCIS export on $name', (path) => {
  test('zone events become schema-valid ObjectEvents with SGLNs, SSCC URNs, customs status and stable hashes', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const seeded = await seedDashboardData(pool, schema);
    const range = { from: new Date(Date.now() - 2 * HOUR_MS), to: new Date(Date.now() + 60_000) };

    const doc = await exportEpcis(pool, schema, seeded.site, range);
    expectValid(doc);
    const events = doc.epcisBody.eventList;
    expect(events).toHaveLength(seeded.zoneEvents.length);
    // Event-time order.
    expect(events.map((e) => e.eventTime)).toEqual([...events.map((e) => e.eventTime)].sort());
    expect(new Set(events.map((e) => e.eventID)).size).toBe(events.length);

    const smuggledUri = 'urn:epc:id:sscc:6923456.0000000003';
    const exit = events.find((e) => e.epcList[0] === smuggledUri && e['bt:zoneEvent'] === 'CROSSED_GATE');
    expect(exit).toMatchObject({
      action: 'OBSERVE',
      bizStep: 'entering_exiting',
      disposition: 'in_transit',
      eventTimeZoneOffset: '+08:00',
      readPoint: { id: 'urn:epc:id:sgln:6923456.00002.0' },
      'bt:direction': 'OUT',
      'bt:customsStatus': 'HELD',
      'bt:declarationId': 'D-3',
    });
    expect(exit).not.toHaveProperty('bizLocation');

    // The departed pallet's customs status is what it was at each event: DECLARED, then RELEASED.
    const departedUri = 'urn:epc:id:sscc:6923456.0000000002';
    const statuses = events
      .filter((e) => e.epcList[0] === departedUri)
      .map((e) => [e.bizStep, e['bt:customsStatus']]);
    expect(statuses).toEqual([
      ['arriving', 'DECLARED'],
      ['storing', 'DECLARED'],
      ['staging_outbound', 'RELEASED'],
      ['entering_exiting', 'RELEASED'],
      ['departing', 'RELEASED'],
    ]);
    // A tag that is no GS1 EPC passes through as a raw URN, and has no customs status.
    const unknown = events.find((e) => e.epcList[0] === 'urn:epc:raw:96.xE2801160600002054CC2096F');
    expect(unknown).toMatchObject({
      bizStep: 'storing',
      bizLocation: { id: 'urn:epc:id:sgln:6923456.01103.0' },
    });
    expect(unknown).not.toHaveProperty('bt:customsStatus');

    // Exporting again gives the same event ids (the hash depends on the event only).
    const again = await exportEpcis(pool, schema, seeded.site, range, new Date(0));
    expect(again.epcisBody.eventList.map((e) => e.eventID)).toEqual(events.map((e) => e.eventID));

    const gate = await exportEpcis(pool, schema, seeded.site, { ...range, zone: 'GATE-S' });
    expectValid(gate);
    expect(gate.epcisBody.eventList).toHaveLength(2);
  });
});

describe('EPCIS over HTTP and the CLI', () => {
  test('GET /events serves the export; a bad query is a 400 with its code', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const seeded = await seedDashboardData(pool, schema);
    const server = await startEpcisServer({ pool, schema, site: seeded.site, logger: quietLogger() });
    onTestFinished(() => server.close());
    const from = new Date(Date.now() - 2 * HOUR_MS).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();

    const res = await fetch(`${server.url}/events?from=${from}&to=${to}&zone=WH1-STAGE`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ld+json');
    const doc = (await res.json()) as EpcisDocument;
    expectValid(doc);
    // Into staging (two pallets) and out of it (the one that departed).
    expect(doc.epcisBody.eventList.map((e) => e['bt:zoneEvent']).sort()).toEqual([
      'DEPARTED',
      'MOVED',
      'MOVED',
    ]);

    const bad = await fetch(`${server.url}/events?from=yesterday&to=${to}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'BT_EPCIS_BAD_QUERY' });
  });

  test('`bondtrack epcis serve` as a process answers GET /events with a valid document, and stops on SIGTERM', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const seeded = await seedDashboardData(pool, schema);
    const cli = spawnBondtrack([
      'epcis',
      'serve',
      '--port',
      '0',
      '--database-url',
      testServices().databaseUrl,
      '--schema',
      schema,
      '--site',
      SEED_SITE_FILE.pathname,
    ]);
    await cli.waitForOutput(/EPCIS 2\.0 events at http:\/\/127\.0\.0\.1:\d+\/events/, 60_000);
    const base = /(http:\/\/127\.0\.0\.1:\d+)\/events/.exec(cli.stdout())![1]!;
    const from = new Date(seeded.startUs / 1000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();

    const res = await fetch(`${base}/events?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ld+json');
    const doc = (await res.json()) as EpcisDocument;
    expectValid(doc);
    expect(doc.epcisBody.eventList).toHaveLength(seeded.zoneEvents.length);
    const gate = (await (
      await fetch(`${base}/events?from=${from}&to=${to}&zone=GATE-S`)
    ).json()) as EpcisDocument;
    expectValid(gate);
    expect(gate.epcisBody.eventList).toHaveLength(2);
    expect((await fetch(`${base}/events?from=${to}&to=${from}`)).status).toBe(400);
    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 120_000);

  test('`bondtrack epcis export` prints a valid document', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const seeded = await seedDashboardData(pool, schema);
    const cli = spawnBondtrack(
      [
        'epcis',
        'export',
        '--database-url',
        testServices().databaseUrl,
        '--schema',
        schema,
        '--site',
        SEED_SITE_FILE.pathname,
        '--from',
        new Date(seeded.startUs / 1000).toISOString(),
        '--to',
        new Date(Date.now() + 60_000).toISOString(),
      ],
      { LOG_LEVEL: 'silent' },
    );
    expect(await cli.exited()).toBe(0);
    const doc = JSON.parse(cli.stdout()) as EpcisDocument;
    expectValid(doc);
    expect(doc.epcisBody.eventList).toHaveLength(seeded.zoneEvents.length);
    expect(cli.stderr()).toBe(`${seeded.zoneEvents.length} event(s)\n`);
  });
});
