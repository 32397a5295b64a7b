import { describe, expect, it } from 'vitest';
import { numberedReads, startClient, startEmulator } from './llrp-harness.js';

/** Reference §6 pitfall 1: a TCP read holds part of a message, or several. */
describe('LLRP client framing over real TCP', () => {
  it('handles a reader that writes one byte at a time', async () => {
    const emulator = await startEmulator({ wire: { fragmentBytes: 1 } });
    const record = startClient(emulator, { keepaliveMs: 500 });
    await expect.poll(() => record.client.currentState, { timeout: 20_000 }).toBe('inventorying');
    const reads = numberedReads(40);
    emulator.inject(reads);
    await expect.poll(() => record.tags.length, { timeout: 30_000 }).toBe(reads.length);
    expect(record.epcs()).toEqual(reads.map((r) => r.epc));
    expect(record.client.stats().badMessages).toBe(0);
  });

  it('handles a reader that coalesces many messages into one write', async () => {
    const emulator = await startEmulator({ wire: { coalesce: 16 } });
    const record = startClient(emulator, { reportEveryMs: 0, reportEveryNTags: 1, keepaliveMs: 500 });
    await expect.poll(() => record.client.currentState, { timeout: 20_000 }).toBe('inventorying');
    const reads = numberedReads(400);
    emulator.inject(reads); // 400 one-tag reports, written 16 to a buffer
    await expect.poll(() => record.tags.length, { timeout: 30_000 }).toBe(reads.length);
    expect(record.epcs()).toEqual(reads.map((r) => r.epc));
    expect(record.client.stats().reports).toBe(400);
  });

  it('changes shape mid-stream: fragments of 3 bytes, then coalesced, then plain', async () => {
    const emulator = await startEmulator({ wire: { fragmentBytes: 3 } });
    const record = startClient(emulator, { reportEveryMs: 0, reportEveryNTags: 2 });
    await expect.poll(() => record.client.currentState, { timeout: 20_000 }).toBe('inventorying');
    emulator.inject(numberedReads(20));
    emulator.setWireShape({ coalesce: 5 });
    emulator.inject(numberedReads(20, 20));
    emulator.setWireShape({});
    emulator.inject(numberedReads(20, 40));
    await expect.poll(() => record.tags.length, { timeout: 30_000 }).toBe(60);
    expect(record.epcs()).toEqual(numberedReads(60).map((r) => r.epc));
  });
});
