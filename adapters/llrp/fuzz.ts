import { isDeepStrictEqual } from 'node:util';
import { decodeMessage } from './decode.js';
import { encodeMessage } from './encode.js';
import { LlrpProtocolError } from './errors.js';
import { LlrpFrameDecoder } from './frame-decoder.js';
import { SeededRandom, generateMessage } from './message-generator.js';

/**
 * Real captures used as fuzz seeds: the vectors of `shared/reference/vectors/llrp.txt` (sources
 * cited there: LTK-Java test resources, LTK dx101 capture, sllurp tests, llrp-rs tests), V25 with
 * a header prepended (it is a body-only capture).
 */
export const SEED_FRAMES_HEX: Readonly<Record<string, string>> = {
  V01: '04010000000b0000000100',
  V02: '0402000000110000000200000000000000',
  V03: '043f000000200000000000f600160080000c00042b1923a01bda010000060000',
  V05: '04030000000b0000006580040d0000001200000065011f000800000000',
  V06: '04150000000e0000006600000000041f0000001200000066011f000800000000',
  V08: '04140000005c0000000f00b1005200000001000000b2001200b300050100b600090100000bb800b700360001000100b80009000000000000ba002504d20100de001e0001014a001800014f0008000000000150000b40000100000000041e000000120000000f011f000800000000',
  V09: '04180000000e000000070000000104160000000e0000000800000001',
  V11: '043d000000430000000000f000398d306edd870775c77926b231a989000000018e00008a00008100018600870000820004577c585e9f40840004577c585e9f40880001',
  V12: '043d0000002c4095892f00f000228d3005fb63ac1f3841ec88046781000186ce820004ec2ea8354c09880001',
  V14: '043d000000293afb30b600f0001f8d0b7f0000000000000051023881000186bc8200058880194ba9d5',
  V17: '043e0000000a0000000004480000000a00000000',
  V18: '040e0000000a0000002304040000001200000023011f000800000000',
  V19: '07ff00000013000000020000651a150000000007ff00000017000000010000651a16011f000800000000',
  V20: '04030000006e000000030000f4004300f5000700000000f5000700010000f5000700028000f5000700030000f5000700040000f5000700050000f5000700068000f5000700070000f5000700080000ed000d02000000ee0006ffc000ef00050100dc0009010000138800e2000580',
  V24: '0414000000a90000000300b1009f000003e8000000b2001200b300050000b60009000000000000b7007600020001000200b80009000000000000ba006300010100de002e000100df0006000100e0000a00010000003d014a001800014f0008000200000150000b8000200000000000de002e000200df0006000100e0000a00010000003d014a001800014f0008000200000150000b8000200000000000ed000d01000100ee00061700',
  V28: '043d0000004e0000000100f000228d3005fb63ac1f3841ec88046781000186ce820004ec2ea8354c0988000100f000228d300833b2ddd906c00000000081000186c6820004ec2ea8355af2880001',
  V25: '043f0000001e0000000100f600140080000c0005ac35bd20d1da01010004',
};

export interface FuzzOptions {
  iterations: number;
  seed: number;
  /** The frame decoder's cap; small so that huge-length headers are common. Default 64 KiB. */
  maxMessageBytes?: number;
  /** More captures to mutate, besides SEED_FRAMES_HEX (whole messages, several may be concatenated). */
  extraSeeds?: readonly Buffer[];
}

export interface FuzzReport {
  iterations: number;
  seed: number;
  /** Bytes fed to decoders in total. */
  bytes: number;
  messagesDecoded: number;
  /** Typed protocol errors by code (the only acceptable failure). */
  protocolErrors: Record<string, number>;
  /** Anything thrown that is not an LlrpProtocolError: must stay 0. */
  unexpectedErrors: number;
  /** Decoded messages that did not survive encode → decode unchanged: must stay 0. */
  reencodeMismatches: number;
  /** A few descriptions of the failures above, with the input hex, to reproduce. */
  samples: string[];
  /** The most a frame decoder ever held back; never above maxMessageBytes. */
  maxBufferedBytes: number;
  maxMessageBytes: number;
}

type Mutation = (rng: SeededRandom, b: Buffer) => Buffer;

const MUTATIONS: readonly Mutation[] = [
  (rng, b) => {
    if (b.length === 0) return b;
    const c = Buffer.from(b);
    const i = rng.int(0, c.length - 1);
    c[i] = c[i]! ^ (1 << rng.int(0, 7));
    return c;
  },
  (rng, b) => {
    if (b.length === 0) return b;
    const c = Buffer.from(b);
    c[rng.int(0, c.length - 1)] = rng.pick([0, 0xff, 0x80, 0x7f, 0x03, rng.int(0, 255)]);
    return c;
  },
  (rng, b) => b.subarray(0, rng.int(0, b.length)),
  (rng, b) => {
    const i = rng.int(0, b.length);
    return Buffer.concat([b.subarray(0, i), rng.bytes(rng.int(1, 8)), b.subarray(i)]);
  },
  (rng, b) => {
    const i = rng.int(0, b.length);
    return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + rng.int(1, 8)))]);
  },
  (rng, b) => {
    // Corrupt a 16-bit word: most often a TLV length or type.
    if (b.length < 2) return b;
    const c = Buffer.from(b);
    c.writeUInt16BE(rng.pick([0, 1, 3, 4, 5, 0xffff, rng.int(0, 0xffff)]), rng.int(0, c.length - 2));
    return c;
  },
  (rng, b) => {
    // Corrupt the message length: short, long, or absurd (a 4 GB header).
    if (b.length < 6) return b;
    const c = Buffer.from(b);
    c.writeUInt32BE(
      rng.pick([0, 9, 10, b.length - 1, b.length + 1, 0xffffffff, rng.int(0, 0xffffffff)]) >>> 0,
      2,
    );
    return c;
  },
  (rng, b) => {
    if (b.length < 2) return b;
    const i = rng.int(0, b.length - 1);
    const j = rng.int(i, b.length);
    return Buffer.concat([b.subarray(0, j), b.subarray(i, j), b.subarray(j)]);
  },
];

const SEEDS = Object.values(SEED_FRAMES_HEX).map((h) => Buffer.from(h, 'hex'));

/** One fuzz input: a mutated capture, a mutated generated message, noise, or a mix. */
export function fuzzInput(rng: SeededRandom, seeds: readonly Buffer[] = SEEDS): Buffer {
  const r = rng.next();
  let b: Buffer;
  if (r < 0.35) b = rng.pick(seeds);
  else if (r < 0.7) b = encodeMessage(generateMessage(rng));
  else if (r < 0.8) return rng.bytes(rng.int(0, 64));
  else if (r < 0.9) {
    // Noise behind a plausible header (ver 1, any type, true length).
    const body = rng.bytes(rng.int(0, 48));
    const h = Buffer.alloc(10);
    h.writeUInt16BE((1 << 10) | rng.int(0, 1023), 0);
    h.writeUInt32BE(10 + body.length, 2);
    b = Buffer.concat([h, body]);
  } else {
    b = Buffer.concat([rng.pick(seeds), encodeMessage(generateMessage(rng)), rng.pick(seeds)]);
  }
  const n = rng.int(0, 4);
  for (let i = 0; i < n; i++) b = rng.pick(MUTATIONS)(rng, b);
  return b;
}

/**
 * Feed `iterations` inputs, each cut into random chunks, through a fresh LlrpFrameDecoder. Checks
 * that decoding only ever yields a message or an LlrpProtocolError, that the decoder's buffer
 * stays within maxMessageBytes, and that every decoded message re-encodes and decodes to itself.
 */
export function runFuzz(options: FuzzOptions): FuzzReport {
  const rng = new SeededRandom(options.seed);
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024;
  const seeds = [...SEEDS, ...(options.extraSeeds ?? [])];
  const report: FuzzReport = {
    iterations: options.iterations,
    seed: options.seed,
    bytes: 0,
    messagesDecoded: 0,
    protocolErrors: {},
    unexpectedErrors: 0,
    reencodeMismatches: 0,
    samples: [],
    maxBufferedBytes: 0,
    maxMessageBytes,
  };
  const sample = (what: string, input: Buffer) => {
    if (report.samples.length < 10) report.samples.push(`${what}; input ${input.toString('hex')}`);
  };
  for (let i = 0; i < options.iterations; i++) {
    const input = fuzzInput(rng, seeds);
    report.bytes += input.length;
    const decoder = new LlrpFrameDecoder({ maxMessageBytes });
    try {
      let off = 0;
      const results = [];
      while (off < input.length) {
        const n = rng.next() < 0.5 ? input.length - off : rng.int(1, input.length - off);
        results.push(...decoder.push(input.subarray(off, off + n)));
        off += n;
        report.maxBufferedBytes = Math.max(report.maxBufferedBytes, decoder.bufferedBytes);
      }
      results.push(...decoder.end());
      for (const r of results) {
        if (!r.ok) {
          // The type says it is one; check the object really is, since that is the property under test.
          if (!((r.error as unknown) instanceof LlrpProtocolError))
            throw new Error(`not an LlrpProtocolError: ${String(r.error)}`);
          report.protocolErrors[r.error.code] = (report.protocolErrors[r.error.code] ?? 0) + 1;
          continue;
        }
        report.messagesDecoded++;
        try {
          const again = decodeMessage(encodeMessage(r.message));
          if (!isDeepStrictEqual(again, r.message)) {
            report.reencodeMismatches++;
            sample(`${r.message.type} changed after encode → decode`, input);
          }
        } catch (err) {
          report.reencodeMismatches++;
          sample(`${r.message.type} did not re-encode: ${String(err)}`, input);
        }
      }
    } catch (err) {
      report.unexpectedErrors++;
      sample(`unexpected ${err instanceof Error ? err.stack : String(err)}`, input);
    }
  }
  return report;
}
