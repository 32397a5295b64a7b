/**
 * End-to-end LLRP client throughput over loopback TCP: the reader emulator reports N tags (100
 * TagReportData per RO_ACCESS_REPORT) and the client frames, decodes and converts each to a TagRead.
 * Both sides share one process (and core), so this is a floor, not the client's ceiling.
 *
 *   npx tsx adapters/llrp/client/bench.ts [tags=200000]
 */
import { LlrpReaderEmulator } from '../../../simulators/llrp/index.js';
import { createLogger } from '../../../runtime/logger.js';
import { LlrpClient } from './client.js';
import { tagReadOf } from './tag-reads.js';

const total = Number(process.argv[2] ?? 200_000);
const logger = createLogger('llrp-bench');
logger.level = 'warn';
const emulator = new LlrpReaderEmulator({ readerId: 'bench' });
const port = await emulator.start();
const client = new LlrpClient(
  { host: '127.0.0.1', port, reportEveryNTags: 100, reportEveryMs: 0, keepaliveMs: 0 },
  { logger },
);
let received = 0;
let bad = 0;
let done: () => void = () => undefined;
const finished = new Promise<void>((resolve) => (done = resolve));
client.on('tags', (reports, atUs) => {
  for (const trd of reports) if (tagReadOf(trd, atUs).kind !== 'read') bad++;
  received += reports.length;
  if (received >= total) done();
});
const inventorying = new Promise<void>((resolve) =>
  client.on('status', (s) => (s.kind === 'connected' ? resolve() : undefined)),
);
client.start();
await inventorying;
const t0 = 1_764_000_000_000_000;
const reads = Array.from({ length: total }, (_, i) => ({
  epc: `E2801170000002${i.toString(16).toUpperCase().padStart(10, '0')}`,
  antenna: 1 + (i % 4),
  rssiDbm: -50,
  seenAtUs: t0 + i,
  count: 1,
}));
const started = performance.now();
emulator.inject(reads);
await finished;
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${received} tags in ${seconds.toFixed(2)} s: ${Math.round(received / seconds)} tags/s end to end (bad ${bad})\n`,
);
await client.close();
await emulator.stop();
