import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../adapters/llrp/client/index.js';
import { clientUnderTest, poll } from './client-under-test.js';

describe('LLRP client: reconnect backoff', () => {
  it('doubles from the first delay up to the cap, jittered into [base/2, base], and resets', () => {
    const draws = [1, 0, 0.5, 1, 1, 1, 0];
    const backoff = new Backoff(100, 1_000, () => draws.shift()!);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => backoff.next())).toEqual([100, 100, 300, 800, 1_000, 1_000, 500]);
    backoff.reset();
    expect(new Backoff(100, 1_000, () => 1).next()).toBe(100);
  });

  it('refuses a cap below the first delay', () => {
    expect(() => new Backoff(500, 100)).toThrow(/maxMs must be ≥ initialMs/);
  });

  it('retries a reader that refuses TCP with growing, capped delays, and starts over after a success', async () => {
    const t = clientUnderTest({ reconnectInitialMs: 100, reconnectMaxMs: 400 });
    t.reader.accepting = false;
    t.client.start();
    const delays = (): number[] => t.statuses.flatMap((s) => (s.kind === 'reconnecting' ? [s.delayMs] : []));
    for (const expected of [100, 200, 400]) {
      await poll(() => delays().at(-1)).toBe(expected);
      t.timers.advance(expected);
    }
    await poll(() => delays()).toEqual([100, 200, 400, 400]);
    t.reader.accepting = true;
    t.timers.advance(400);
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.client.currentState).toBe('inventorying');
    t.reader.drop();
    await poll(() => t.client.currentState).toBe('reconnecting');
    expect(delays().at(-1)).toBe(100);
  });
});

describe('LLRP client: close', () => {
  it('stops the ROSpec, closes the connection with CLOSE_CONNECTION and waits for its response', async () => {
    const t = clientUnderTest({ rospecId: 4 });
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.client.currentState).toBe('inventorying');
    await t.client.close();
    expect(t.reader.types().slice(-2)).toEqual(['STOP_ROSPEC', 'CLOSE_CONNECTION']);
    expect(t.reader.received.at(-2)).toMatchObject({ roSpecId: 4 });
    expect(t.client.currentState).toBe('closed');
    expect(t.kinds()).toEqual(['connected', 'disconnected']);
  });

  it('ends the socket anyway when the reader does not answer CLOSE_CONNECTION', async () => {
    const t = clientUnderTest({ closeTimeoutMs: 500 });
    t.reader.hold('CLOSE_CONNECTION');
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.client.currentState).toBe('inventorying');
    const closing = t.client.close();
    await poll(() => t.reader.held.length).toBe(1);
    t.timers.advance(2_000); // response timeout of CLOSE_CONNECTION
    await poll(() => t.timers.armed).toBeGreaterThan(0);
    t.timers.advance(500); // FIN not answered
    await closing;
    expect(t.client.currentState).toBe('closed');
  });

  it('cancels a pending reconnect', async () => {
    const t = clientUnderTest();
    t.reader.accepting = false;
    t.client.start();
    await poll(() => t.client.currentState).toBe('reconnecting');
    await t.client.close();
    t.timers.advance(60_000);
    expect(t.reader.connections).toBe(0);
    expect(t.client.currentState).toBe('closed');
  });

  it('closing mid-setup stops the ROSpec anyway and never reports connected', async () => {
    const t = clientUnderTest({ rospecId: 6 });
    t.reader.hold('START_ROSPEC');
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.reader.held.length).toBe(1);
    const closing = t.client.close();
    await poll(() => t.reader.types().includes('STOP_ROSPEC')).toBe(true);
    t.reader.release('START_ROSPEC');
    await closing;
    expect(t.reader.types().slice(-2)).toEqual(['STOP_ROSPEC', 'CLOSE_CONNECTION']);
    expect(t.kinds()).toEqual([]);
    expect(t.client.currentState).toBe('closed');
  });
});
