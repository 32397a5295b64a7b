import { describe, expect, it } from 'vitest';
import {
  decodeObservations,
  decodeReadBatch,
  isPlainObservation,
  isPlainReadBatch,
} from '../../../pipeline/runtime/decode-record.js';
import { Observation, ReadBatch } from '../../../schemas/index.js';

const valid = {
  v: 1,
  site: 'WGQ-DEMO',
  readerId: 'RD-GATE-N',
  source: 'serial',
  batchId: 'RD-GATE-N:boot:7',
  seq: 7,
  sentAtUs: 1_764_000_000_500_000,
  reads: [
    {
      epc: '3178E61C883950F59A000000',
      antenna: 1,
      rssiDbm: -55.5,
      seenAtUs: 1_764_000_000_000_000,
      count: 1,
    },
    {
      epc: '3178',
      antenna: 65535,
      seenAtUs: 1_764_000_000_100_000,
      count: 1_000_000,
      phaseDeg: 360,
      frequencyKhz: 902_750,
      tid: 'E2801160',
    },
  ],
};

/** Every way a field can be off: wrong type, out of range, missing, extra, null. */
const odd: unknown[] = [
  null,
  undefined,
  '',
  'x',
  'ab/c',
  0,
  -1,
  1.5,
  2 ** 53,
  -129,
  21,
  361,
  99_999,
  3_000_001,
  1e21,
  946_684_799_999_999,
  946_684_800_000_000,
  4_102_444_800_000_000,
  4_102_444_800_000_001,
  'abcd',
  '3178E61C88395',
  'g'.repeat(8),
  'A'.repeat(128),
  'A'.repeat(257),
  'a'.repeat(32),
  'A'.repeat(32),
  'a'.repeat(33),
  [],
  {},
  true,
];

function mutations(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const key of [...Object.keys(valid), 'extra']) {
    for (const v of odd) out.push([`batch.${key}=${JSON.stringify(v)}`, { ...valid, [key]: v }]);
  }
  for (const key of [
    'epc',
    'antenna',
    'rssiDbm',
    'seenAtUs',
    'count',
    'phaseDeg',
    'frequencyKhz',
    'tid',
    'extra',
  ]) {
    for (const v of odd) {
      const reads = [valid.reads[0], { ...valid.reads[1], [key]: v }];
      out.push([`read.${key}=${JSON.stringify(v)}`, { ...valid, reads }]);
    }
  }
  out.push(['11k reads', { ...valid, reads: Array.from({ length: 10_001 }, () => valid.reads[0]) }]);
  out.push(['read not an object', { ...valid, reads: [null] }]);
  out.push(['__proto__ key', JSON.parse(`{"__proto__":{"v":1},${JSON.stringify(valid).slice(1)}`)]);
  return out;
}

describe('the quick ReadBatch check', () => {
  it('accepts the usual shape as is, and the schema agrees value for value', () => {
    expect(isPlainReadBatch(valid)).toBe(true);
    expect(ReadBatch.parse(valid)).toEqual(valid);
  });

  it('never accepts what the schema refuses or would change', () => {
    let accepted = 0;
    for (const [name, value] of mutations()) {
      // Through JSON, as records arrive (undefined keys vanish).
      const json: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
      if (!isPlainReadBatch(json)) continue;
      accepted++;
      const parsed = ReadBatch.safeParse(json);
      expect(parsed.success, name).toBe(true);
      expect(parsed.data, name).toEqual(json);
    }
    // Some mutations are valid (e.g. an optional field dropped): the check is not just "no".
    expect(accepted).toBeGreaterThan(0);
  });

  it('leaves the codes and reasons of bad records to the schema', () => {
    const bad = decodeReadBatch(Buffer.from(JSON.stringify({ ...valid, readerId: 'a/b' })));
    expect(bad).toMatchObject({ ok: false, code: 'BT_SCHEMA_INVALID' });
    expect(!bad.ok && bad.reason).toMatch(/readerId/);
    expect(decodeReadBatch(Buffer.from('{'))).toMatchObject({ ok: false, code: 'BT_NOT_JSON' });
    // A read without count is valid (default 1): the schema fills it in.
    const { count: _, ...noCount } = valid.reads[0]!;
    const filled = decodeReadBatch(Buffer.from(JSON.stringify({ ...valid, reads: [noCount] })));
    expect(filled.ok && filled.value.reads[0]!.count).toBe(1);
  });
});

const observation = {
  v: 1,
  id: '0123456789abcdef0123456789abcdef',
  site: 'WGQ-DEMO',
  epc: '3178E61C883950F59A000000',
  readerId: 'RD-STOR-A',
  antenna: 2,
  zone: 'Z-STOR-A',
  firstSeenUs: 1_764_000_000_000_000,
  lastSeenUs: 1_764_000_000_400_000,
  count: 3,
  maxRssiDbm: -51.5,
  meanRssiDbm: -54.25,
};

function observationMutations(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const key of [...Object.keys(observation), 'extra'])
    for (const v of odd) out.push([`${key}=${JSON.stringify(v)}`, { ...observation, [key]: v }]);
  out.push(['last before first', { ...observation, lastSeenUs: observation.firstSeenUs - 1 }]);
  out.push(['one read', { ...observation, lastSeenUs: observation.firstSeenUs, count: 1 }]);
  out.push(['__proto__ key', JSON.parse(`{"__proto__":{"v":1},${JSON.stringify(observation).slice(1)}`)]);
  return out;
}

describe('the quick Observation check', () => {
  it('accepts the usual shape as is, and the schema agrees value for value', () => {
    expect(isPlainObservation(observation)).toBe(true);
    expect(Observation.parse(observation)).toEqual(observation);
  });

  it('never accepts what the schema refuses or would change', () => {
    let accepted = 0;
    for (const [name, value] of observationMutations()) {
      const json: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
      if (!isPlainObservation(json)) continue;
      accepted++;
      const parsed = Observation.safeParse(json);
      expect(parsed.success, name).toBe(true);
      expect(parsed.data, name).toEqual(json);
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('leaves the codes and reasons of bad records to the schema', () => {
    const [bad] = decodeObservations(Buffer.from(JSON.stringify({ ...observation, lastSeenUs: 1 })));
    expect(bad).toMatchObject({ ok: false, code: 'BT_SCHEMA_INVALID' });
    expect(!bad!.ok && bad!.reason).toMatch(/lastSeenUs/);
    expect(decodeObservations(Buffer.from('nope'))).toMatchObject([{ ok: false, code: 'BT_NOT_JSON' }]);
    // An unknown key is stripped by the schema, not refused.
    const extra = decodeObservations(Buffer.from(JSON.stringify({ ...observation, extra: 1 })));
    expect(extra).toEqual([{ ok: true, value: observation }]);
  });

  it('reads a packed record element by element, refusing only the bad ones with their own payload', () => {
    const second = { ...observation, id: 'f'.repeat(32), count: 7 };
    const broken = { ...observation, antenna: 0 };
    const decoded = decodeObservations(Buffer.from(JSON.stringify([observation, broken, second])));
    expect(decoded).toHaveLength(3);
    expect(decoded[0]).toEqual({ ok: true, value: observation });
    expect(decoded[2]).toEqual({ ok: true, value: second });
    expect(decoded[1]).toMatchObject({ ok: false, code: 'BT_SCHEMA_INVALID' });
    const refused = decoded[1]!;
    expect(!refused.ok && refused.reason).toMatch(/Observation\[1\].*antenna/);
    expect(!refused.ok && JSON.parse(String(refused.payload))).toEqual(broken);
    expect(decodeObservations(Buffer.from('[]'))).toEqual([]);
  });
});
