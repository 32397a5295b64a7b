import { describe, expect, it } from 'vitest';
import {
  Alert,
  CustomsStatus,
  DeadLetter,
  Observation,
  ReadBatch,
  ReaderStatus,
  SchemaError,
  TagRead,
  ZoneEvent,
  parseWith,
} from '../../../schemas/index.js';

const US = 1_764_000_000_123_456;
const EPC = '3178E61C883950F59A000000';
const ID = '0123456789abcdef0123456789abcdef';

function errorOf(fn: () => unknown): SchemaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SchemaError) return err;
    throw err;
  }
  throw new Error('expected a SchemaError');
}

describe('TagRead', () => {
  it('accepts the documented shape and defaults count to 1', () => {
    const read = parseWith(TagRead, 'TagRead', { epc: EPC, antenna: 1, rssiDbm: -52.34, seenAtUs: US });
    expect(read).toEqual({ epc: EPC, antenna: 1, rssiDbm: -52.34, seenAtUs: US, count: 1 });
  });

  it('accepts EPCs of any Gen2 length (1 to 31 words) and optional phase, frequency, TID', () => {
    for (const epc of ['ABCD', EPC, 'A'.repeat(124)]) {
      expect(
        TagRead.safeParse({
          epc,
          antenna: 2,
          seenAtUs: US,
          count: 3,
          phaseDeg: 32.5,
          frequencyKhz: 926_750,
          tid: 'E2801160',
        }).success,
      ).toBe(true);
    }
  });

  it.each([
    [{ epc: '3178e61c883950f59a000000' }, 'epc', 'upper-case hex'],
    [{ epc: '3178E61C883950F59A00000' }, 'epc', 'multiple of 4'],
    [{ epc: 'A'.repeat(128) }, 'epc', '1 to 31'],
    [{ antenna: 0 }, 'antenna', ''],
    [{ seenAtUs: 1_764_000_000_000 }, 'seenAtUs', 'seconds or ms'],
    [{ seenAtUs: 1_764_000_000_000_000_000 }, 'seenAtUs', 'ns'],
    [{ rssiDbm: 40 }, 'rssiDbm', ''],
    [{ count: 0 }, 'count', ''],
  ])('rejects %o naming the field', (patch, field, hint) => {
    const err = errorOf(() =>
      parseWith(TagRead, 'TagRead', { epc: EPC, antenna: 1, seenAtUs: US, ...patch }),
    );
    expect(err.code).toBe('BT_SCHEMA_INVALID');
    expect(err.issues.map((i) => i.path)).toContain(field);
    expect(err.message).toContain(`${field}:`);
    expect(err.message).toContain(hint);
  });
});

describe('ReadBatch', () => {
  const batch = {
    v: 1,
    site: 'WGQ-DEMO',
    readerId: 'RDR-DOCK-1',
    source: 'serial',
    batchId: 'RDR-DOCK-1:lq3x9k:17',
    seq: 17,
    sentAtUs: US,
    reads: [{ epc: EPC, antenna: 1, seenAtUs: US, count: 2 }],
  };

  it('accepts the documented shape', () => {
    expect(ReadBatch.parse(batch)).toEqual(batch);
  });

  it('names the offending read by index', () => {
    const err = errorOf(() =>
      parseWith(ReadBatch, 'ReadBatch', {
        ...batch,
        reads: [batch.reads[0], { ...batch.reads[0], epc: 'XYZ' }],
      }),
    );
    expect(err.message).toMatch(/^invalid ReadBatch: reads\[1\]\.epc: /);
  });

  it('rejects another version, ids unusable in a topic, and an unknown source format', () => {
    expect(errorOf(() => parseWith(ReadBatch, 'ReadBatch', { ...batch, v: 2 })).issues[0]!.path).toBe('v');
    expect(
      errorOf(() => parseWith(ReadBatch, 'ReadBatch', { ...batch, readerId: 'dock/1' })).issues[0]!.path,
    ).toBe('readerId');
    expect(errorOf(() => parseWith(ReadBatch, 'ReadBatch', { ...batch, site: 'a+b' })).issues[0]!.path).toBe(
      'site',
    );
    expect(
      errorOf(() => parseWith(ReadBatch, 'ReadBatch', { ...batch, source: 'Serial Port' })).issues[0]!.path,
    ).toBe('source');
  });

  it('lists every problem, not just the first', () => {
    const err = errorOf(() => parseWith(ReadBatch, 'ReadBatch', { ...batch, seq: -1, sentAtUs: 'now' }));
    expect(err.issues.map((i) => i.path).sort()).toEqual(['sentAtUs', 'seq']);
  });
});

describe('Observation, ZoneEvent, Alert, CustomsStatus, ReaderStatus, DeadLetter', () => {
  const observation = {
    v: 1,
    id: ID,
    site: 'S',
    epc: EPC,
    readerId: 'R1',
    antenna: 1,
    zone: 'DOCK-1',
    firstSeenUs: US,
    lastSeenUs: US + 5,
    count: 4,
    maxRssiDbm: -50,
    meanRssiDbm: -53.5,
  };

  it('accept their documented shapes', () => {
    expect(Observation.parse(observation)).toEqual(observation);
    const event = {
      v: 1,
      id: ID,
      site: 'S',
      epc: EPC,
      kind: 'CROSSED_GATE',
      toZone: 'GATE-S',
      direction: 'OUT',
      atUs: US,
      confidence: 0.97,
      evidence: [ID],
    };
    expect(ZoneEvent.parse(event)).toEqual(event);
    const alert = {
      v: 1,
      id: ID,
      site: 'S',
      kind: 'UNRELEASED_EXIT',
      severity: 'CRITICAL',
      epc: EPC,
      zone: 'GATE-S',
      atUs: US,
      details: { declarationId: 'D1' },
    };
    expect(Alert.parse(alert)).toEqual(alert);
    const customs = {
      v: 1,
      site: 'S',
      sscc: '069234560000000017',
      declarationId: 'D1',
      status: 'RELEASED',
      atUs: US,
    };
    expect(CustomsStatus.parse(customs)).toEqual(customs);
    expect(ReaderStatus.parse({ v: 1, site: 'S', readerId: 'R1', state: 'offline' })).toMatchObject({
      state: 'offline',
    });
    const letter = {
      v: 1,
      stage: 'adapter:serial',
      code: 'BT_SERIAL_LINE',
      reason: 'not JSON',
      payload: 'garbage',
      payloadEncoding: 'utf8',
      atUs: US,
    };
    expect(DeadLetter.parse(letter)).toEqual(letter);
  });

  it('reject what breaks their invariants, naming the field', () => {
    expect(
      errorOf(() => parseWith(Observation, 'Observation', { ...observation, lastSeenUs: US - 1 })).issues[0]!
        .path,
    ).toBe('lastSeenUs');
    expect(
      errorOf(() => parseWith(Observation, 'Observation', { ...observation, id: 'not-an-id' })).issues[0]!
        .path,
    ).toBe('id');
    expect(
      errorOf(() =>
        parseWith(ZoneEvent, 'ZoneEvent', {
          v: 1,
          id: ID,
          site: 'S',
          epc: EPC,
          kind: 'TELEPORTED',
          atUs: US,
          confidence: 1,
          evidence: [],
        }),
      ).issues[0]!.path,
    ).toBe('kind');
    expect(
      errorOf(() =>
        parseWith(ZoneEvent, 'ZoneEvent', {
          v: 1,
          id: ID,
          site: 'S',
          epc: EPC,
          kind: 'MOVED',
          atUs: US,
          confidence: 1.5,
          evidence: [],
        }),
      ).issues[0]!.path,
    ).toBe('confidence');
    expect(
      errorOf(() =>
        parseWith(CustomsStatus, 'CustomsStatus', {
          v: 1,
          site: 'S',
          declarationId: 'D1',
          status: 'RELEASED',
          atUs: US,
        }),
      ).message,
    ).toContain('epc: needs an epc or an sscc');
    expect(
      errorOf(() =>
        parseWith(CustomsStatus, 'CustomsStatus', {
          v: 1,
          site: 'S',
          sscc: '12345',
          declarationId: 'D1',
          status: 'RELEASED',
          atUs: US,
        }),
      ).issues[0]!.path,
    ).toBe('sscc');
    expect(
      errorOf(() =>
        parseWith(Alert, 'Alert', {
          v: 1,
          id: ID,
          site: 'S',
          kind: 'DWELL_EXCEEDED',
          severity: 'LOUD',
          atUs: US,
        }),
      ).issues[0]!.path,
    ).toBe('severity');
  });
});
