import { Command, InvalidArgumentError } from 'commander';
import { runLlrpDecodeBench } from '../../bench/llrp-decode.js';
import { runFuzz } from '../../adapters/llrp/fuzz.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  LlrpFrameDecoder,
  decodeHex,
  messageTypeName,
  microsToJson,
  statusCodeName,
  tagRssiDbm,
  type LlrpMessage,
  type TagReportData,
} from '../../adapters/llrp/index.js';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

/**
 * JSON-safe copy: bigint → number when exactly representable, else a decimal string; Buffer →
 * upper-case hex; `undefined` keys dropped.
 */
export function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return microsToJson(value);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex').toUpperCase();
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
    return out;
  }
  return value;
}

/** The flat per-tag view the README documents; keys only where the reader sent the value. */
function tagView(t: TagReportData): Record<string, unknown> {
  const view: Record<string, unknown> = {
    epc: t.epc,
    epcBits: t.epcBitCount,
    antenna: t.antennaId,
    rssiDbm: tagRssiDbm(t),
    firstSeenUs: t.firstSeenUtcUs,
    lastSeenUs: t.lastSeenUtcUs,
    firstSeenUptimeUs: t.firstSeenUptimeUs,
    lastSeenUptimeUs: t.lastSeenUptimeUs,
    seenCount: t.tagSeenCount,
    channelIndex: t.channelIndex,
    pc: t.c1g2Pc,
    crc: t.c1g2Crc,
    rospecId: t.roSpecId,
    specIndex: t.specIndex,
    inventoryParameterSpecId: t.inventoryParameterSpecId,
    accessSpecId: t.accessSpecId,
    opSpecResults: t.opSpecResults,
    custom: t.custom,
    unknown: t.unknown,
  };
  return toPlain(view) as Record<string, unknown>;
}

/** One output line for a decoded message. */
export function messageView(message: LlrpMessage): Record<string, unknown> {
  const { type, id, version, ...rest } = message as LlrpMessage & Record<string, unknown>;
  const view: Record<string, unknown> = { type, id, version };
  const status = (rest as { llrpStatus?: { statusCode: number } }).llrpStatus;
  if (status !== undefined) {
    view.statusCode = status.statusCode;
    view.statusName = statusCodeName(status.statusCode);
  }
  if (message.type === 'RO_ACCESS_REPORT') {
    const { tagReportData, ...others } = rest as { tagReportData?: TagReportData[] };
    view.tags = (tagReportData ?? []).map(tagView);
    Object.assign(view, toPlain(others));
  } else {
    Object.assign(view, toPlain(rest));
  }
  return view;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function llrpCommand(): Command {
  const llrp = new Command('llrp').description(
    'LLRP (EPCglobal Low Level Reader Protocol 1.0.1/1.1) codec tools: decode captures, fuzz, benchmark.',
  );

  llrp
    .command('decode')
    .summary('decode hex LLRP messages from stdin to JSON lines')
    .description(
      'Read LLRP messages as hex on stdin (whole messages with their 10-byte header, any number back ' +
        'to back; whitespace and line breaks are ignored) and print one JSON object per message: type ' +
        '(spec name), id, version (1 = LLRP 1.0.1, 2 = 1.1), the decoded parameters (spec names in ' +
        'camelCase), statusCode and statusName for messages with an LLRPStatus, and for RO_ACCESS_REPORT ' +
        'a `tags` array (epc upper-case hex, epcBits, antenna, rssiDbm, firstSeenUs, lastSeenUs, ' +
        'seenCount, channelIndex, pc, crc, rospecId, specIndex, accessSpecId — each only when the reader ' +
        'sent it) in place of the raw TagReportData. rssiDbm is ImpinjPeakRSSI/100 when present, else ' +
        'PeakRSSI. 64-bit values (timestamps in µs) are JSON numbers when ≤ 2^53−1, else decimal ' +
        'strings; byte strings are upper-case hex. A malformed message prints its error, naming the byte ' +
        'offset in the input, on stderr; decoding goes on with the next message when the framing allows ' +
        'and the exit code is 1.',
    )
    .option(
      '--max-message-bytes <n>',
      `largest message accepted (default ${DEFAULT_MAX_MESSAGE_BYTES})`,
      positiveInt('--max-message-bytes'),
      DEFAULT_MAX_MESSAGE_BYTES,
    )
    .addHelpText('after', '\nExample:\n  echo 043e0000000a00000000 | bondtrack llrp decode\n')
    .action(async (flags: { maxMessageBytes: number }) => {
      const bytes = decodeHex(await readStdin());
      const decoder = new LlrpFrameDecoder({ maxMessageBytes: Math.max(10, flags.maxMessageBytes) });
      let failures = 0;
      for (const r of [...decoder.push(bytes), ...decoder.end()]) {
        if (r.ok) {
          process.stdout.write(`${JSON.stringify(messageView(r.message))}\n`);
        } else {
          failures++;
          const e = r.error;
          const name = e.messageType === undefined ? undefined : messageTypeName(e.messageType);
          const where =
            e.messageType === undefined
              ? ''
              : ` in ${name ?? `message type ${e.messageType}`} id ${e.messageId} starting at byte ${r.offset}`;
          process.stderr.write(`bondtrack llrp decode: ${e.message}${where} [${e.code}]\n`);
        }
      }
      if (failures > 0) process.exitCode = 1;
    });

  llrp
    .command('fuzz')
    .summary('fuzz the LLRP decoder with random and mutated frames')
    .description(
      'Feed random frames and mutations of real captures and of generated messages, cut into random ' +
        'chunks, through the streaming decoder. Checks that decoding only ever yields a message or a ' +
        'typed LLRP protocol error, that the decoder never buffers more than its maximum message size, ' +
        'and that every decoded message re-encodes and decodes to itself. Prints the counts; exit code ' +
        '1 if any check failed (with samples to reproduce).',
    )
    .option('--iterations <n>', 'number of inputs', positiveInt('--iterations'), 100_000)
    .option('--seed <n>', 'PRNG seed (same seed, same inputs)', (v) => Number.parseInt(v, 10) >>> 0, 1)
    .option('--json', 'print the report as JSON')
    .action((flags: { iterations: number; seed: number; json?: boolean }) => {
      const report = runFuzz({ iterations: flags.iterations, seed: flags.seed });
      const failed =
        report.unexpectedErrors > 0 ||
        report.reencodeMismatches > 0 ||
        report.maxBufferedBytes > report.maxMessageBytes;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        const lines = [
          `iterations           ${report.iterations} (seed ${report.seed}, ${report.bytes} bytes)`,
          `messages decoded     ${report.messagesDecoded}`,
          ...Object.entries(report.protocolErrors)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([code, n]) => `protocol error       ${code} ${n}`),
          `unexpected errors    ${report.unexpectedErrors}`,
          `re-encode mismatches ${report.reencodeMismatches}`,
          `max buffered bytes   ${report.maxBufferedBytes} (limit ${report.maxMessageBytes})`,
          ...report.samples.map((s) => `sample: ${s}`),
          failed ? 'FAILED' : 'OK',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (failed) process.exitCode = 1;
    });

  llrp
    .command('bench')
    .summary('TagReportData decoded per second vs a header-walk baseline')
    .description(
      'Decode RO_ACCESS_REPORTs (Impinj-like TagReportData: EPC-96, antenna, RSSI, channel, first/last ' +
        'seen, count, ImpinjPeakRSSI) on one core and, in the same run on the same bytes, walk only their ' +
        'parameter headers. Prints both rates in tags/s and their ratio; the goal is ≥ 1,000,000 tags/s. ' +
        'Run on an idle machine: other load slows both contenders. Code: bench/llrp-decode.ts.',
    )
    .option(
      '--tags-per-report <n>',
      'TagReportData per RO_ACCESS_REPORT',
      positiveInt('--tags-per-report'),
      100,
    )
    .option('--reports <n>', 'distinct reports cycled through', positiveInt('--reports'), 2000)
    .option('--seconds <n>', 'measuring time per contender', positiveInt('--seconds'), 3)
    .option('--json', 'print the result as JSON')
    .action((flags: { tagsPerReport: number; reports: number; seconds: number; json?: boolean }) => {
      const r = runLlrpDecodeBench(flags);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const n = (x: number) => x.toLocaleString('en-US');
      process.stdout.write(
        [
          `decode    ${n(r.decodeTagsPerSec)} tags/s  (full decode to objects, ${r.tagsPerReport} tags/report, ${r.bytesPerTag} B/tag)`,
          `baseline  ${n(r.baselineTagsPerSec)} tags/s  (walk parameter headers only, same bytes)`,
          `ratio     ${r.ratio}`,
          `goal      ${n(r.goalTagsPerSec)} tags/s: ${r.goalMet ? 'met' : 'NOT met'}`,
        ].join('\n') + '\n',
      );
    });

  return llrp;
}
