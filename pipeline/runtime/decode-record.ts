import type { z } from 'zod';
import { describeError } from '../../runtime/errors.js';
import { Observation, ReadBatch, toSchemaError } from '../../schemas/index.js';
import { unpackJson } from './packed-records.js';

/** A Kafka record's value decoded against its contract, or why it could not be. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; code: string; reason: string };

/**
 * JSON-parse a record value and validate it; a failure names the code and the offending field.
 * `isPlain`, when given, is a quick check that answers true only for a value the schema accepts as
 * it is (nothing to strip, no default to fill in): that value is used without the schema's parse.
 * Anything else — invalid, or merely unusual — goes through the schema, so codes and reasons
 * are the schema's.
 */
export function decodeRecord<S extends z.ZodType>(
  schema: S,
  name: string,
  value: Buffer | null,
  isPlain?: (json: unknown) => boolean,
): Decoded<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(value?.toString('utf8') ?? '');
  } catch (err) {
    return { ok: false, code: 'BT_NOT_JSON', reason: `${name} is not JSON: ${describeError(err)}` };
  }
  if (isPlain?.(json)) return { ok: true, value: json as z.output<S> };
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return { ok: false, code: 'BT_SCHEMA_INVALID', reason: toSchemaError(name, parsed.error).message };
  return { ok: true, value: parsed.data };
}

/**
 * A raw-reads record. The bridge validated it already, but dedup must not trust the topic (anything
 * may produce to it), and the full schema parse was a third of dedup's CPU (profile of 1.5 M reads,
 * 2026-11-26): the hand-written check below accepts the usual shape and leaves everything else to
 * the schema.
 */
export function decodeReadBatch(value: Buffer | null): Decoded<ReadBatch> {
  return decodeRecord(ReadBatch, 'ReadBatch', value, isPlainReadBatch);
}

/**
 * An observations record: dedup packs the observations of one flush and partition into one
 * record (pipeline/runtime/packed-records.ts); a record holding one observation is read as well.
 * Each element is checked on its own, so one bad observation is refused without its neighbours.
 * The same reasoning as `decodeReadBatch`: the schema parse was a quarter of locate's decode and a
 * tenth of its CPU (profile of 2026-11-26 with bench/locate-throughput.ts).
 */
export function decodeObservations(value: Buffer | null): DecodedElement<Observation>[] {
  let json: unknown;
  try {
    json = JSON.parse(value?.toString('utf8') ?? '');
  } catch (err) {
    const reason = `Observation is not JSON: ${describeError(err)}`;
    return [{ ok: false, code: 'BT_NOT_JSON', reason, payload: value }];
  }
  const packed = Array.isArray(json);
  return unpackJson(json).map((element, i): DecodedElement<Observation> => {
    if (isPlainObservation(element)) return { ok: true, value: element as Observation };
    const parsed = Observation.safeParse(element);
    if (parsed.success) return { ok: true, value: parsed.data };
    const error = toSchemaError(packed ? `Observation[${i}]` : 'Observation', parsed.error);
    // A packed record's bad element is dead-lettered alone: its neighbours were taken.
    const payload = packed ? JSON.stringify(element) : value;
    return { ok: false, code: 'BT_SCHEMA_INVALID', reason: error.message, payload };
  });
}

/** One message of a packed record, decoded, or why not with the bytes to dead-letter. */
export type DecodedElement<T> =
  { ok: true; value: T } | { ok: false; code: string; reason: string; payload: Buffer | string | null };

// Mirrors schemas/read-batch.ts, tag-read.ts, observation.ts and primitives.ts;
// tests/unit/pipeline/decode-record.test.ts holds them to the schemas on valid and invalid input.
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SOURCE = /^[a-z][a-z0-9-]{0,31}$/;
const EPC = /^(?:[0-9A-F]{4}){1,31}$/;
const HEX = /^[0-9A-F]+$/;
const DETERMINISTIC_ID = /^[0-9a-f]{32}$/;
const BATCH_KEYS = 8; // v, site, readerId, source, batchId, seq, sentAtUs, reads

const isInt = (x: unknown, min: number, max: number): boolean =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max;
const isEpochMicros = (x: unknown): boolean => isInt(x, 946_684_800_000_000, 4_102_444_800_000_000);
const isNumber = (x: unknown, min: number, max: number): boolean =>
  typeof x === 'number' && x >= min && x <= max;
const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export function isPlainReadBatch(json: unknown): boolean {
  if (!isObject(json)) return false;
  const b = json;
  if (
    b.v !== 1 ||
    typeof b.site !== 'string' ||
    !IDENTIFIER.test(b.site) ||
    typeof b.readerId !== 'string' ||
    !IDENTIFIER.test(b.readerId) ||
    typeof b.source !== 'string' ||
    !SOURCE.test(b.source) ||
    typeof b.batchId !== 'string' ||
    b.batchId.length < 1 ||
    b.batchId.length > 200 ||
    !isInt(b.seq, 0, Number.MAX_SAFE_INTEGER) ||
    !isEpochMicros(b.sentAtUs) ||
    !Array.isArray(b.reads) ||
    b.reads.length > 10_000 ||
    Object.keys(b).length !== BATCH_KEYS
  )
    return false;
  for (const r of b.reads as unknown[]) if (!isPlainTagRead(r)) return false;
  return true;
}

function isPlainTagRead(r: unknown): boolean {
  if (!isObject(r)) return false;
  // Required (count too: its default is the schema's business).
  if (
    typeof r.epc !== 'string' ||
    !EPC.test(r.epc) ||
    !isInt(r.antenna, 1, 65_535) ||
    !isEpochMicros(r.seenAtUs) ||
    !isInt(r.count, 1, 1_000_000)
  )
    return false;
  let keys = 4;
  if (r.rssiDbm !== undefined) {
    if (!isNumber(r.rssiDbm, -128, 20)) return false;
    keys++;
  }
  if (r.phaseDeg !== undefined) {
    if (!isNumber(r.phaseDeg, 0, 360)) return false;
    keys++;
  }
  if (r.frequencyKhz !== undefined) {
    if (!isInt(r.frequencyKhz, 100_000, 3_000_000)) return false;
    keys++;
  }
  if (r.tid !== undefined) {
    if (typeof r.tid !== 'string' || r.tid.length > 256 || !HEX.test(r.tid)) return false;
    keys++;
  }
  // Unknown keys would be stripped by the schema: leave those to it.
  return Object.keys(r).length === keys;
}

export function isPlainObservation(json: unknown): boolean {
  if (!isObject(json)) return false;
  const o = json;
  if (
    o.v !== 1 ||
    typeof o.id !== 'string' ||
    !DETERMINISTIC_ID.test(o.id) ||
    typeof o.site !== 'string' ||
    !IDENTIFIER.test(o.site) ||
    typeof o.epc !== 'string' ||
    !EPC.test(o.epc) ||
    typeof o.readerId !== 'string' ||
    !IDENTIFIER.test(o.readerId) ||
    !isInt(o.antenna, 1, 65_535) ||
    !isEpochMicros(o.firstSeenUs) ||
    !isEpochMicros(o.lastSeenUs) ||
    (o.lastSeenUs as number) < (o.firstSeenUs as number) ||
    !isInt(o.count, 1, Number.MAX_SAFE_INTEGER)
  )
    return false;
  let keys = 9; // v, id, site, epc, readerId, antenna, firstSeenUs, lastSeenUs, count
  if (o.zone !== undefined) {
    if (typeof o.zone !== 'string' || !IDENTIFIER.test(o.zone)) return false;
    keys++;
  }
  if (o.maxRssiDbm !== undefined) {
    if (!isNumber(o.maxRssiDbm, -128, 20)) return false;
    keys++;
  }
  if (o.meanRssiDbm !== undefined) {
    if (!isNumber(o.meanRssiDbm, -128, 20)) return false;
    keys++;
  }
  if (o.kind !== undefined) {
    if (o.kind !== 'window' && o.kind !== 'first' && o.kind !== 'late') return false;
    keys++;
  }
  // Unknown keys would be stripped by the schema: leave those to it.
  return Object.keys(o).length === keys;
}
