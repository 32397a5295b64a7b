import { describe, expect, it } from 'vitest';
import { LlrpClientErrorCode } from '../../../adapters/llrp/client/index.js';
import { numberedReads, startClient, startEmulator } from './llrp-harness.js';

describe('LLRP keepalive loss → reconnect', () => {
  it('drops a hung reader after 3 silent keepalive periods, reconnects, and loses no tag', async () => {
    const emulator = await startEmulator();
    const record = startClient(emulator, { keepaliveMs: 300, keepaliveMissFactor: 3 });
    await expect.poll(() => record.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    emulator.inject(numberedReads(10));
    await expect.poll(() => record.tags.length, { timeout: 15_000 }).toBe(10);

    // The reader hangs: the TCP connection stays open but nothing comes (no KEEPALIVE, no report).
    emulator.hang();
    emulator.inject(numberedReads(10, 10)); // seen while hung: reported after the reconnect
    await expect.poll(() => record.kinds().includes('keepalive-missed'), { timeout: 15_000 }).toBe(true);
    await expect
      .poll(() => record.statuses.find((s) => s.kind === 'disconnected'), { timeout: 15_000 })
      .toMatchObject({ code: LlrpClientErrorCode.KEEPALIVE_MISSED });
    await expect
      .poll(() => record.kinds().filter((k) => k === 'connected').length, { timeout: 15_000 })
      .toBe(2);
    const kinds = record.kinds();
    const lost = kinds.indexOf('disconnected');
    expect(kinds[lost - 1]).toBe('keepalive-missed');
    expect(kinds[lost + 1]).toBe('reconnecting');
    expect(record.links()).toEqual(['connected', 'disconnected', 'connected']);
    expect(record.client.stats()).toMatchObject({ keepaliveLosses: 1, disconnects: 1, connects: 2 });
    expect(emulator.stats().connections).toBe(2);

    await expect.poll(() => record.tags.length, { timeout: 15_000 }).toBe(20);
    expect(record.epcs()).toEqual(numberedReads(20).map((r) => r.epc));
  });

  it('drops a reader that stops sending keepalives while idle, and not one that is only slow', async () => {
    const emulator = await startEmulator();
    const record = startClient(emulator, { keepaliveMs: 250, keepaliveMissFactor: 8 });
    await expect.poll(() => record.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    // Reports alone keep the link alive: a stream of tags with keepalives off is not a loss.
    emulator.setKeepalives(false);
    for (let i = 0; i < 8; i++) {
      emulator.inject(numberedReads(1, i));
      await expect.poll(() => record.tags.length, { timeout: 15_000 }).toBe(i + 1);
      // Each step waits for a report from the emulator's 50 ms AISpec timer: < 1 keepalive period.
    }
    expect(record.links()).toEqual(['connected']);
    // Idle and silent: lost after 8 × 250 ms.
    await expect
      .poll(() => record.statuses.find((s) => s.kind === 'disconnected'), { timeout: 15_000 })
      .toMatchObject({ code: LlrpClientErrorCode.KEEPALIVE_MISSED });
    emulator.setKeepalives(true);
    await expect
      .poll(() => record.kinds().filter((k) => k === 'connected').length, { timeout: 15_000 })
      .toBe(2);
  });
});
