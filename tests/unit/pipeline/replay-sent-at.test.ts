import { describe, expect, it } from 'vitest';
import { recordSentAtUs } from '../../../pipeline/runtime/replay.js';

describe('recordSentAtUs (the key replay merges raw reads by)', () => {
  it("is a ReadBatch's sentAtUs", () => {
    const batch = { v: 1, readerId: 'RD-1', sentAtUs: 1_767_225_600_000_000, reads: [] };
    expect(recordSentAtUs(Buffer.from(JSON.stringify(batch)))).toBe(1_767_225_600_000_000);
  });

  it('is undefined for a record that has none (copied all the same)', () => {
    expect(recordSentAtUs(null)).toBeUndefined();
    expect(recordSentAtUs(Buffer.from('not json'))).toBeUndefined();
    expect(recordSentAtUs(Buffer.from('null'))).toBeUndefined();
    expect(recordSentAtUs(Buffer.from('{"sentAtUs":"soon"}'))).toBeUndefined();
  });
});
