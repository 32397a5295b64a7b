import { describe, expect, it } from 'vitest';
import { LlrpFrameDecoder, LlrpProtocolError } from '../../../adapters/llrp/index.js';
import { fuzzInput, runFuzz } from '../../../adapters/llrp/fuzz.js';
import { SeededRandom } from '../../../adapters/llrp/message-generator.js';
import { loadVectors } from './vectors.js';

describe('LLRP decoder fuzzing', () => {
  it('100,000 random and mutated frames: a message or a typed error, nothing else; buffer bounded; re-encode stable', () => {
    const report = runFuzz({
      iterations: 100_000,
      seed: 20261126,
      maxMessageBytes: 64 * 1024,
      // The long Impinj captures too: vendor parameters everywhere, 45 coalesced reports.
      extraSeeds: loadVectors('more-vectors.txt').map((v) => v.bytes),
    });
    expect(report.samples).toEqual([]);
    expect(report.unexpectedErrors).toBe(0);
    expect(report.reencodeMismatches).toBe(0);
    expect(report.maxBufferedBytes).toBeLessThanOrEqual(report.maxMessageBytes);
    // The inputs really exercised both sides: many messages decoded and every error kind seen.
    expect(report.messagesDecoded).toBeGreaterThan(10_000);
    expect(Object.keys(report.protocolErrors).sort()).toEqual(
      [
        'BT_LLRP_BAD_PARAMETER_LENGTH',
        'BT_LLRP_FIELD_OVERRUN',
        'BT_LLRP_FRAME_TOO_LARGE',
        'BT_LLRP_FRAME_TOO_SHORT',
        'BT_LLRP_MISSING_PARAMETER',
        'BT_LLRP_TRUNCATED',
        'BT_LLRP_UNKNOWN_TV_PARAMETER',
        'BT_LLRP_UNSUPPORTED_VERSION',
      ].sort(),
    );
  }, 600_000);

  it('one long-lived decoder fed garbage keeps its buffer bounded and its heap flat', () => {
    const max = 8 * 1024;
    const decoder = new LlrpFrameDecoder({ maxMessageBytes: max });
    const rng = new SeededRandom(5);
    const gc = (globalThis as { gc?: () => void }).gc;
    const feed = (n: number) => {
      let maxBuffered = 0;
      for (let i = 0; i < n; i++) {
        for (const r of decoder.push(fuzzInput(rng))) {
          if (!r.ok) {
            expect(r.error).toBeInstanceOf(LlrpProtocolError);
            if (r.error.fatal) decoder.reset(); // what a client does: reconnect
          }
        }
        maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
      }
      return maxBuffered;
    };
    expect(feed(5_000)).toBeLessThanOrEqual(max);
    gc?.();
    const before = process.memoryUsage().heapUsed;
    expect(feed(20_000)).toBeLessThanOrEqual(max);
    gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    // Without --expose-gc the heap figure includes garbage; the buffer bound above is the real check.
    if (gc) expect(grown).toBeLessThan(8 * 1024 * 1024);
  });
});
