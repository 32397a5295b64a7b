import { describe, expect, it } from 'vitest';
import { LlrpClientErrorCode, LlrpConnectionError } from '../../../adapters/llrp/client/index.js';
import { numberedReads, startClient, startEmulator } from './llrp-harness.js';

describe('LLRP: one client at a time (spec §18.1)', () => {
  it('refuses a second client with ConnectionAttemptEvent status 2, tells the first (status 4), which keeps reading', async () => {
    const emulator = await startEmulator();
    const first = startClient(emulator);
    await expect.poll(() => first.client.currentState, { timeout: 15_000 }).toBe('inventorying');

    const second = startClient(emulator, { reconnectInitialMs: 200, reconnectMaxMs: 1_000 });
    await expect
      .poll(() => second.errors.find((e) => e.code === LlrpClientErrorCode.CONNECTION_REFUSED), {
        timeout: 15_000,
      })
      .toBeInstanceOf(LlrpConnectionError);
    const refusal = second.errors.find(
      (e) => e.code === LlrpClientErrorCode.CONNECTION_REFUSED,
    ) as LlrpConnectionError;
    expect(refusal.connectionAttemptStatus).toBe(2);
    expect(refusal.message).toMatch(/Failed_A_Client_Initiated_Connection_Already_Exists/);
    expect(second.kinds()).not.toContain('connected');

    await expect
      .poll(() => first.events.some((e) => e.connectionAttemptEvent?.status === 4), { timeout: 15_000 })
      .toBe(true);
    expect(emulator.stats().refused).toBeGreaterThanOrEqual(1);
    emulator.inject(numberedReads(12));
    await expect.poll(() => first.tags.length, { timeout: 15_000 }).toBe(12);
    expect(second.tags).toEqual([]);
    expect(first.links()).toEqual(['connected']);

    // Once the first one leaves, the second (still retrying) gets the reader.
    await first.client.close();
    await expect.poll(() => second.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    emulator.inject(numberedReads(3, 12));
    await expect
      .poll(() => second.epcs(), { timeout: 15_000 })
      .toEqual(numberedReads(3, 12).map((r) => r.epc));
  });
});
