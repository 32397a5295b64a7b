/**
 * Parser throughput per format, as a ratio to jsonl measured in the same run (so the figures
 * compare across machines). Run: `npx tsx adapters/formats/bench.ts [reads]`.
 * Not a test: nothing asserts on speed (STYLE.md, "speed goes in benchmarks").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TagRead } from '../../schemas/index.js';
import {
  ALIEN_CUSTOM_FORMAT,
  CSV_EMIT_COLUMNS,
  emitAlienCustomLine,
  emitAlienTextNotification,
  emitCsvLine,
  emitImpinjIotEvent,
  emitSpeedwayConnectPost,
  emitZebraIotcEvent,
} from '../../simulators/formats/index.js';
import { formatJsonlRead } from '../../simulators/index.js';
import { DiskQueue } from '../publish/disk-queue.js';
import { StreamParser, type StreamParserSettings } from './stream-parser.js';

const N = Number(process.argv[2] ?? 100_000);
const TZ = 'Asia/Shanghai';
const T0 = Date.UTC(2026, 3, 2, 12, 0, 0) * 1000;
const reads: TagRead[] = Array.from({ length: N }, (_, i) => ({
  epc: `3178E61C883950F59A${i.toString(16).toUpperCase().padStart(6, '0')}`,
  antenna: 1 + (i % 4),
  rssiDbm: -40 - (i % 30) - 0.25,
  seenAtUs: T0 + i * 1_000,
  count: 1,
}));

const inputs: Array<[string, StreamParserSettings, string]> = [
  ['jsonl', { format: 'jsonl' }, reads.map(formatJsonlRead).join('')],
  [
    'alien-text',
    { format: 'alien-text', timeZone: TZ },
    emitAlienTextNotification(reads, { readerName: 'b', timeZone: TZ, nowUs: T0 }),
  ],
  [
    'alien-custom',
    { format: 'alien-custom', customFormat: ALIEN_CUSTOM_FORMAT, timeZone: TZ },
    reads.map((r) => emitAlienCustomLine(r, TZ)).join(''),
  ],
  ['csv', { format: 'csv', csvColumns: [...CSV_EMIT_COLUMNS] }, reads.map(emitCsvLine).join('')],
  [
    'impinj-iot',
    { format: 'impinj-iot' },
    reads.map((r, i) => `${emitImpinjIotEvent(r, 'h', i % 2 === 0)}\n`).join(''),
  ],
  ['speedway-connect', { format: 'speedway-connect' }, emitSpeedwayConnectPost(reads, 'b')],
  ['zebra-iotc', { format: 'zebra-iotc' }, reads.map((r, i) => `${emitZebraIotcEvent(r, i)}\n`).join('')],
];

function parseRate(settings: StreamParserSettings, text: string, expected = N): number {
  const parser = new StreamParser({ ...settings, maxDocumentChars: text.length + 1 });
  const start = performance.now();
  let got = 0;
  for (let at = 0; at < text.length; at += 65_536) {
    for (const o of parser.push(text.slice(at, at + 65_536), T0)) if (o.outcome.kind === 'read') got++;
  }
  for (const o of parser.end(T0)) if (o.outcome.kind === 'read') got++;
  if (got !== expected) throw new Error(`${settings.format}: ${got} reads of ${expected}`);
  return got / ((performance.now() - start) / 1000);
}

let baseline = 0;
console.log(`parsers, ${N} reads each (reads/s; ratio to jsonl in this run)`);
for (const [name, settings, text] of inputs) {
  parseRate(settings, text, N); // warm-up (JIT), not counted
  const rate = parseRate(settings, text);
  if (name === 'jsonl') baseline = rate;
  console.log(
    `  ${name.padEnd(17)} ${Math.round(rate).toString().padStart(9)}   ×${(rate / baseline).toFixed(2)}`,
  );
}

// The on-disk queue's cost per 500-read batch: append + hand out + ack, vs JSON.stringify alone.
const dir = mkdtempSync(join(tmpdir(), 'bondtrack-bench-'));
try {
  const payload = JSON.stringify({ reads: reads.slice(0, 500) });
  const batches = 2_000;
  let start = performance.now();
  for (let i = 0; i < batches; i++) JSON.stringify({ reads: reads.slice(0, 500) });
  const stringifyMs = performance.now() - start;
  const queue = new DiskQueue({
    dir,
    maxBytes: 2 ** 40,
    segmentBytes: 4 * 2 ** 20,
    policy: 'block',
    fsync: false,
  });
  start = performance.now();
  for (let i = 0; i < batches; i++) {
    queue.append({
      kind: 'batch',
      readerId: 'r',
      topic: 't',
      payload,
      readCount: 500,
      label: `r:b:${i}`,
      attempts: 0,
    });
    queue.ack(queue.next()!.diskSeq);
  }
  const queueMs = performance.now() - start;
  console.log(`disk queue, ${batches} batches of 500 reads (${(payload.length / 1024).toFixed(0)} KiB each)`);
  console.log(`  JSON.stringify only   ${(stringifyMs / batches).toFixed(3)} ms/batch   ×1.00`);
  console.log(
    `  append+ack, no fsync  ${(queueMs / batches).toFixed(3)} ms/batch   ×${(queueMs / stringifyMs).toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
