import { describe, expect, it } from 'vitest';
import { numberedReads, startClient, startEmulator } from './llrp-harness.js';

describe('LLRP client ↔ reader emulator over TCP: the whole cycle', () => {
  it('connects, resets, configures, inventories every tag once, answers keepalives and closes cleanly', async () => {
    const emulator = await startEmulator();
    // A ROSpec left from a "previous session" must be cleaned up, not collide (reference §6 pitfall 8).
    const stale = startClient(emulator, { rospecId: 7 });
    await expect.poll(() => emulator.inventorying, { timeout: 15_000 }).toBe(true);
    await stale.client.close();
    expect(emulator.stats().rospecs).toEqual([{ id: 7, state: 'Inactive' }]);

    const record = startClient(emulator, { keepaliveMs: 200, rospecId: 3 });
    await expect.poll(() => record.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    expect(record.links()).toEqual(['connected']);
    expect(emulator.stats().rospecs).toEqual([{ id: 3, state: 'Active' }]);
    // The ROSpec start reached the client as a reader event (ROSpecEvent, EventType 0 Start).
    await expect
      .poll(() => record.events.some((e) => e.roSpecEvent?.eventType === 0 && e.roSpecEvent.roSpecId === 3), {
        timeout: 15_000,
      })
      .toBe(true);

    const reads = numberedReads(250);
    emulator.inject(reads);
    await expect.poll(() => record.tags.length, { timeout: 15_000 }).toBe(reads.length);
    expect(record.epcs()).toEqual(reads.map((r) => r.epc));
    expect(record.tags.map((t) => t.antennaId)).toEqual(reads.map((r) => r.antenna));
    expect(record.tags.every((t) => t.roSpecId === 3)).toBe(true);

    // KEEPALIVE every 200 ms, each answered with KEEPALIVE_ACK.
    await expect.poll(() => emulator.stats().keepaliveAcks, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);

    await record.client.close();
    expect(record.client.currentState).toBe('closed');
    expect(record.links()).toEqual(['connected', 'disconnected']);
    // STOP_ROSPEC left the spec Inactive; CLOSE_CONNECTION ended the connection.
    expect(emulator.stats().rospecs).toEqual([{ id: 3, state: 'Inactive' }]);
    await expect.poll(() => emulator.connected, { timeout: 15_000 }).toBe(false);
    expect(record.errors).toEqual([]);
  });

  it('reports every N tags when asked to, without a time trigger', async () => {
    const emulator = await startEmulator();
    const record = startClient(emulator, { reportEveryMs: 0, reportEveryNTags: 10 });
    await expect.poll(() => record.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    emulator.inject(numberedReads(25));
    await expect.poll(() => record.tags.length, { timeout: 15_000 }).toBe(20);
    // The last 5 wait for a tenth tag (or the end of the ROSpec): nothing below N is reported.
    expect(record.client.stats().reports).toBe(2);
    emulator.inject(numberedReads(5, 25));
    await expect.poll(() => record.tags.length, { timeout: 15_000 }).toBe(30);
    expect(record.epcs()).toEqual(numberedReads(30).map((r) => r.epc));
  });

  // Regression: the emulator held at most 1000 tags for reports and only went back to the field on
  // the next inject, so a count-only trigger stalled with the rest unreported.
  it('reports a backlog far larger than one report, with a count trigger only and with a time trigger only', async () => {
    const emulator = await startEmulator();
    const byCount = startClient(emulator, { reportEveryMs: 0, reportEveryNTags: 100 });
    await expect.poll(() => byCount.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    emulator.inject(numberedReads(2_500));
    await expect.poll(() => byCount.tags.length, { timeout: 20_000 }).toBe(2_500);
    await byCount.client.close();

    const byTime = startClient(emulator, { reportEveryMs: 100, reportEveryNTags: 0 });
    await expect.poll(() => byTime.client.currentState, { timeout: 15_000 }).toBe('inventorying');
    emulator.inject(numberedReads(5_000, 2_500));
    await expect.poll(() => byTime.tags.length, { timeout: 20_000 }).toBe(5_000);
    expect(byTime.epcs()).toEqual(numberedReads(5_000, 2_500).map((r) => r.epc));
  });
});
