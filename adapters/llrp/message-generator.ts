import type { FieldSpec, SlotSpec } from './codec-schema.js';
import { IMPINJ_VENDOR_ID } from './impinj.js';
import { MESSAGES } from './message-schemas.js';
import { SPECS_BY_NAME } from './parameter-schemas.js';
import { emptyTagReportData } from './tag-report.js';
import type { CustomParameter, LlrpMessage, TagReportData } from './types.js';

/**
 * A small seeded generator of valid LLRP message objects, driven by the same tables as the codec,
 * so round-trip tests and the fuzzer cover every modelled message and parameter. Deterministic for
 * a seed (mulberry32), no dependencies.
 */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  bool(): boolean {
    return this.next() < 0.5;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
  u64(): bigint {
    return (BigInt(this.int(0, 0xffffffff)) << 32n) | BigInt(this.int(0, 0xffffffff));
  }
}

const MAX_DEPTH = 6;
const TEXT = ['', 'ok', 'LLRP [299] : //AccessSpec/AccessSpecID', 'Zoll – 保税区', 'x'.repeat(40)];
/** Custom parameters a `Custom` slot may receive without being captured by a more specific slot. */
const CUSTOM_CHOICES = [
  'Custom',
  'ImpinjInventorySearchMode',
  'ImpinjPeakRSSI',
  'ImpinjRFPhaseAngle',
  'ImpinjRFDopplerFrequency',
  'ImpinjTagReportContentSelector',
];

function field(rng: SeededRandom, f: FieldSpec, obj: Record<string, unknown>): void {
  if (f.name === undefined) return;
  const n = f.name;
  switch (f.kind) {
    case 'flag':
      obj[n] = rng.bool();
      break;
    case 'bits':
      obj[n] = rng.int(0, 2 ** f.bits! - 1);
      break;
    case 'u8':
      obj[n] = rng.int(0, 0xff);
      break;
    case 's8':
      obj[n] = rng.int(-128, 127);
      break;
    case 'u16':
      obj[n] = rng.int(0, 0xffff);
      break;
    case 's16':
      obj[n] = rng.int(-32768, 32767);
      break;
    case 'u32':
      obj[n] = rng.int(0, 0xffffffff);
      break;
    case 'u64':
      obj[n] = rng.u64();
      break;
    case 'u8v':
      obj[n] = Array.from({ length: rng.int(0, 4) }, () => rng.int(0, 0xff));
      break;
    case 'u16v':
      obj[n] = Array.from({ length: rng.int(0, 4) }, () => rng.int(0, 0xffff));
      break;
    case 'u32v':
      obj[n] = Array.from({ length: rng.int(0, 4) }, () => rng.int(0, 0xffffffff));
      break;
    case 'bytes':
    case 'bytesToEnd':
      obj[n] = rng.bytes(rng.int(0, 12));
      break;
    case 'utf8v':
      obj[n] = rng.pick(TEXT);
      break;
    case 'u1v': {
      const bitCount = rng.int(0, 40);
      obj[n] = { bitCount, data: rng.bytes((bitCount + 7) >>> 3) };
      break;
    }
    case 'rsvd':
      break;
  }
}

function slotValue(rng: SeededRandom, slot: SlotSpec, depth: number): unknown {
  let name = rng.pick(slot.types);
  if (name === 'Custom') name = rng.pick(CUSTOM_CHOICES);
  const value = parameter(rng, name, depth + 1);
  return slot.unwrap === undefined ? value : (value as Record<string, unknown>)[slot.unwrap];
}

/** A random valid parameter object of the given spec name. */
export function generateParameter(rng: SeededRandom, name: string, depth = 0): { type: string } {
  return parameter(rng, name, depth);
}

function parameter(rng: SeededRandom, name: string, depth: number): { type: string } {
  if (name === 'TagReportData') return generateTagReportData(rng, depth);
  if (name === 'Custom') {
    // Any vendor but Impinj (whose modelled subtypes would decode to typed objects).
    const custom: CustomParameter = {
      type: 'Custom',
      vendorId: rng.pick([161, 26554, 0, 0xffffffff]),
      subtype: rng.int(0, 0xffffffff),
      data: rng.bytes(rng.int(0, 10)),
    };
    return custom;
  }
  const spec = SPECS_BY_NAME.get(name);
  if (spec === undefined) throw new Error(`no spec for ${name}`);
  const obj: Record<string, unknown> = { type: name };
  for (const f of spec.fields) field(rng, f, obj);
  fillSlots(rng, spec.slots, obj, depth);
  return obj as { type: string };
}

function fillSlots(
  rng: SeededRandom,
  slots: readonly SlotSpec[],
  obj: Record<string, unknown>,
  depth: number,
): void {
  const deep = depth >= MAX_DEPTH;
  for (const slot of slots) {
    if (slot.card === '1') obj[slot.key] = slotValue(rng, slot, depth);
    else if (slot.card === '?') {
      if (!deep && rng.bool()) obj[slot.key] = slotValue(rng, slot, depth);
    } else {
      const count = slot.card === '+' ? rng.int(1, deep ? 1 : 3) : deep ? 0 : rng.int(0, 2);
      if (count > 0) obj[slot.key] = Array.from({ length: count }, () => slotValue(rng, slot, depth));
    }
  }
}

/** A random TagReportData (every optional field independently present or not). */
export function generateTagReportData(rng: SeededRandom, depth = 0): TagReportData {
  const bits = rng.pick([96, 96, 128, 64, 0, 13, 496]);
  const epc = rng.bytes((bits + 7) >>> 3).toString('hex');
  const t = emptyTagReportData(epc, bits);
  t.epcParameter = bits === 96 && rng.next() < 0.8 ? 'EPC-96' : 'EPCData';
  const maybe = <T>(make: () => T): T | undefined => (rng.bool() ? make() : undefined);
  t.roSpecId = maybe(() => rng.int(0, 0xffffffff));
  t.specIndex = maybe(() => rng.int(0, 0xffff));
  t.inventoryParameterSpecId = maybe(() => rng.int(0, 0xffff));
  t.antennaId = maybe(() => rng.int(0, 0xffff));
  t.peakRssiDbm = maybe(() => rng.int(-128, 127));
  t.channelIndex = maybe(() => rng.int(0, 0xffff));
  t.firstSeenUtcUs = maybe(() => rng.u64());
  t.firstSeenUptimeUs = maybe(() => rng.u64());
  t.lastSeenUtcUs = maybe(() => rng.u64());
  t.lastSeenUptimeUs = maybe(() => rng.u64());
  t.tagSeenCount = maybe(() => rng.int(0, 0xffff));
  t.c1g2Pc = maybe(() => rng.int(0, 0xffff));
  t.c1g2Xpcw1 = maybe(() => rng.int(0, 0xffff));
  t.c1g2Xpcw2 = maybe(() => rng.int(0, 0xffff));
  t.c1g2Crc = maybe(() => rng.int(0, 0xffff));
  t.accessSpecId = maybe(() => rng.int(0, 0xffffffff));
  t.clientRequestOpSpecResult = maybe(() => rng.int(0, 0xffff));
  if (depth < MAX_DEPTH && rng.next() < 0.3) {
    t.opSpecResults = [
      parameter(
        rng,
        rng.pick([
          'C1G2ReadOpSpecResult',
          'C1G2WriteOpSpecResult',
          'C1G2KillOpSpecResult',
          'C1G2LockOpSpecResult',
          'C1G2BlockEraseOpSpecResult',
          'C1G2BlockWriteOpSpecResult',
        ]),
        depth + 1,
      ) as never,
    ];
  }
  if (rng.next() < 0.4) {
    t.custom = [
      rng.bool()
        ? { type: 'ImpinjPeakRSSI', rssiCentiDbm: rng.int(-9000, 0) }
        : (parameter(
            rng,
            rng.pick(['ImpinjRFPhaseAngle', 'ImpinjRFDopplerFrequency', 'Custom']),
            depth + 1,
          ) as never),
    ];
  }
  return t;
}

/** Message names the generator can produce (every modelled message). */
export const GENERATED_MESSAGE_TYPES: readonly string[] = [...MESSAGES.map((m) => m.name), 'UNKNOWN_MESSAGE'];

/** A random valid message object; `type` picks one, else any. */
export function generateMessage(
  rng: SeededRandom,
  type: string = rng.pick(GENERATED_MESSAGE_TYPES),
): LlrpMessage {
  const header = { id: rng.int(0, 0xffffffff), version: rng.pick([1, 2] as const) };
  if (type === 'UNKNOWN_MESSAGE') {
    // 900–999 is reserved for ISO/IEC 24791-5 and unused by LLRP itself.
    return {
      type: 'UNKNOWN_MESSAGE',
      ...header,
      messageType: rng.int(900, 999),
      body: rng.bytes(rng.int(0, 16)),
    };
  }
  const spec = MESSAGES.find((m) => m.name === type);
  if (spec === undefined) throw new Error(`no message spec for ${type}`);
  const obj: Record<string, unknown> = { type, ...header };
  for (const f of spec.fields) field(rng, f, obj);
  if (type === 'CUSTOM_MESSAGE' && obj.vendorId === IMPINJ_VENDOR_ID) obj.vendorId = 161;
  fillSlots(rng, spec.slots, obj, 0);
  if (type === 'RO_ACCESS_REPORT' && rng.bool()) {
    obj.tagReportData = Array.from({ length: rng.int(1, 20) }, () => generateTagReportData(rng));
  }
  return obj as unknown as LlrpMessage;
}
