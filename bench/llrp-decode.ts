/**
 * LLRP decode benchmark (issue 3): TagReportData decoded per second on one core, next to a
 * baseline measured in the same run on the same bytes — a loop that only walks the parameter
 * headers (TLV lengths and the TV length table) of every TagReportData and its children without
 * decoding a field. The ratio says how much the real decode costs over merely framing the bytes.
 * Goal: ≥ 1,000,000 tags/s.
 *
 *   bondtrack llrp bench [--tags-per-report 100] [--reports 2000] [--seconds 3]
 *
 * The reports are what an Impinj reader sends with a typical content selector: EPC-96, AntennaID,
 * PeakRSSI, ChannelIndex, FirstSeen/LastSeen UTC, TagSeenCount, plus an ImpinjPeakRSSI Custom.
 */
import {
  decodeMessage,
  encodeMessage,
  emptyTagReportData,
  type TagReportData,
} from '../adapters/llrp/index.js';
import { HEADER_BYTES } from '../adapters/llrp/header.js';
import { ParameterType } from '../adapters/llrp/parameter-types.js';
import { SeededRandom } from '../adapters/llrp/message-generator.js';
import { countParameters } from '../adapters/llrp/tlv-walker.js';

export interface LlrpDecodeBenchOptions {
  /** TagReportData per RO_ACCESS_REPORT. Default 100. */
  tagsPerReport?: number;
  /** Distinct reports cycled through. Default 2000. */
  reports?: number;
  /** Measuring time per contender, in seconds (split in 250 ms rounds, best kept). Default 3. */
  seconds?: number;
}

export interface LlrpDecodeBenchResult {
  tagsPerReport: number;
  reports: number;
  bytesPerTag: number;
  decodeTagsPerSec: number;
  baselineTagsPerSec: number;
  /** decode / baseline: the share of header-walk speed the full decode keeps. */
  ratio: number;
  goalTagsPerSec: number;
  goalMet: boolean;
}

function makeReports(count: number, tagsPerReport: number): Buffer[] {
  const rng = new SeededRandom(42);
  const t0 = 1_767_225_600_000_000n; // 2026-01-01T00:00:00Z in µs
  const reports: Buffer[] = [];
  for (let r = 0; r < count; r++) {
    const tags: TagReportData[] = [];
    for (let i = 0; i < tagsPerReport; i++) {
      const t = emptyTagReportData(rng.bytes(12).toString('hex'));
      t.antennaId = rng.int(1, 4);
      t.peakRssiDbm = rng.int(-80, -30);
      t.channelIndex = rng.int(1, 50);
      t.firstSeenUtcUs = t0 + BigInt(rng.int(0, 1e9));
      t.lastSeenUtcUs = t.firstSeenUtcUs + BigInt(rng.int(0, 1e6));
      t.tagSeenCount = rng.int(1, 20);
      t.custom = [{ type: 'ImpinjPeakRSSI', rssiCentiDbm: t.peakRssiDbm * 100 - rng.int(0, 99) }];
      tags.push(t);
    }
    reports.push(encodeMessage({ type: 'RO_ACCESS_REPORT', id: r, tagReportData: tags }));
  }
  return reports;
}

/** Containers the baseline descends into: TagReportData (no fixed fields). */
const CONTAINERS = new Map<number, number>([[ParameterType.TagReportData, 0]]);

/** Reports decoded per second by `pass` over `ms` milliseconds (checked every 50 reports). */
function rate(ms: number, reports: Buffer[], pass: (b: Buffer) => number, sink: { n: number }): number {
  let done = 0;
  let i = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 50; k++) {
      sink.n += pass(reports[i]!);
      done++;
      i = i + 1 === reports.length ? 0 : i + 1;
    }
    now = process.hrtime.bigint();
  }
  return done / (Number(now - start) / 1e9);
}

export function runLlrpDecodeBench(options: LlrpDecodeBenchOptions = {}): LlrpDecodeBenchResult {
  const tagsPerReport = options.tagsPerReport ?? 100;
  const count = options.reports ?? 2000;
  const seconds = options.seconds ?? 3;
  const reports = makeReports(count, tagsPerReport);

  const decode = (b: Buffer): number => {
    const m = decodeMessage(b);
    return m.type === 'RO_ACCESS_REPORT' ? (m.tagReportData?.length ?? 0) : 0;
  };
  // Header walk of the same bytes: every TagReportData and each of its sub-parameters.
  const walk = (b: Buffer): number => countParameters(b, HEADER_BYTES, b.length, CONTAINERS);

  // The machines are shared: the two contenders run in alternating 250 ms rounds and each keeps
  // its best round, so a burst of load from elsewhere hits both alike and is then discarded.
  const sink = { n: 0 };
  rate(Math.min(500, seconds * 250), reports, decode, sink); // JIT warm-up
  rate(Math.min(500, seconds * 250), reports, walk, sink);
  let bestDecode = 0;
  let bestWalk = 0;
  const rounds = Math.max(2, Math.round((seconds * 1000) / 250));
  for (let r = 0; r < rounds; r++) {
    bestDecode = Math.max(bestDecode, rate(250, reports, decode, sink));
    bestWalk = Math.max(bestWalk, rate(250, reports, walk, sink));
  }
  if (sink.n === 0) throw new Error('benchmark decoded nothing');
  const decodeTagsPerSec = bestDecode * tagsPerReport;
  const baselineTagsPerSec = bestWalk * tagsPerReport;
  const goal = 1_000_000;
  return {
    tagsPerReport,
    reports: count,
    bytesPerTag: Math.round((reports[0]!.length - HEADER_BYTES) / tagsPerReport),
    decodeTagsPerSec: Math.round(decodeTagsPerSec),
    baselineTagsPerSec: Math.round(baselineTagsPerSec),
    ratio: Number((decodeTagsPerSec / baselineTagsPerSec).toFixed(3)),
    goalTagsPerSec: goal,
    goalMet: decodeTagsPerSec >= goal,
  };
}
