import { describe, expect, it } from 'vitest';
import { numberedReads, startClient, startEmulator } from './llrp-harness.js';

describe('LLRP reader reboot mid-inventory', () => {
  it('reconnects to the restarted reader, sets it up again and resumes: every tag once', async () => {
    const emulator = await startEmulator({ wire: { coalesce: 3 } });
    const record = startClient(emulator, { reportEveryMs: 20, reportEveryNTags: 7 });
    await expect.poll(() => record.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    emulator.inject(numberedReads(300));
    await expect.poll(() => record.tags.length, { timeout: 15_000 }).toBeGreaterThan(0);

    // Reboot while tags keep coming: stop (ConnectionCloseEvent, FIN), forget ROSpecs, listen again.
    const rebooting = emulator.restart();
    emulator.inject(numberedReads(300, 300));
    await rebooting;
    expect(emulator.stats().rospecs).toEqual([]);
    emulator.inject(numberedReads(300, 600));

    await expect
      .poll(() => record.kinds().filter((k) => k === 'connected').length, { timeout: 20_000 })
      .toBe(2);
    expect(emulator.stats().rospecs).toEqual([{ id: 1, state: 'Active' }]);
    await expect.poll(() => record.tags.length, { timeout: 20_000 }).toBe(900);
    expect(record.epcs()).toEqual(numberedReads(900).map((r) => r.epc));
    expect(emulator.sentReads.map((r) => r.epc)).toEqual(record.epcs());
    const lost = record.statuses.find((s) => s.kind === 'disconnected');
    expect(lost?.detail).toMatch(/ConnectionCloseEvent/);
  });

  it('keeps retrying while the reader is down, with growing delays, and connects when it is back', async () => {
    const emulator = await startEmulator();
    const record = startClient(emulator, { reconnectInitialMs: 40, reconnectMaxMs: 400 });
    await expect.poll(() => record.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    await emulator.stop();
    await expect
      .poll(() => record.statuses.filter((s) => s.kind === 'reconnecting').length, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(5);
    const delays = record.statuses.flatMap((s) => (s.kind === 'reconnecting' ? [s.delayMs] : []));
    // Jittered in [base/2, base], base doubling from 40 ms up to 400 ms.
    delays.forEach((delay, i) => {
      const base = Math.min(400, 40 * 2 ** i);
      expect(delay).toBeGreaterThanOrEqual(base / 2);
      expect(delay).toBeLessThanOrEqual(base);
    });
    await emulator.start();
    await expect
      .poll(() => record.kinds().filter((k) => k === 'connected').length, { timeout: 15_000 })
      .toBe(2);
  });
});
