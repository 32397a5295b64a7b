import { describe, expect, it } from 'vitest';
import { LlrpClientErrorCode } from '../../../adapters/llrp/client/index.js';
import { clientUnderTest, poll } from './client-under-test.js';

async function inventorying(t: ReturnType<typeof clientUnderTest>): Promise<void> {
  t.client.start();
  await poll(() => t.reader.connections).toBe(1);
  t.reader.greet();
  await poll(() => t.client.currentState).toBe('inventorying');
}

describe('LLRP client: keepalive watchdog (silence → late → lost)', () => {
  it('reports a late keepalive after 1.5 periods, recovers when data flows, drops after 3 periods', async () => {
    const t = clientUnderTest({ keepaliveMs: 1_000, keepaliveMissFactor: 3 });
    await inventorying(t);
    t.timers.advance(1_400);
    expect(t.kinds()).toEqual(['connected']);
    t.timers.advance(200);
    expect(t.kinds()).toEqual(['connected', 'keepalive-missed']);

    t.reader.send({ type: 'KEEPALIVE', id: 5 });
    await poll(() => t.kinds().at(-1)).toBe('keepalive-restored');

    t.timers.advance(2_999);
    expect(t.kinds().filter((k) => k === 'disconnected')).toEqual([]);
    t.timers.advance(1);
    await expect
      .poll(() => t.statuses.find((s) => s.kind === 'disconnected'))
      .toMatchObject({ code: LlrpClientErrorCode.KEEPALIVE_MISSED });
    expect(t.client.stats()).toMatchObject({ keepaliveLosses: 1, disconnects: 1 });
    expect(t.kinds().slice(-2)).toEqual(['disconnected', 'reconnecting']);
    t.timers.advance(100);
    await poll(() => t.reader.connections).toBe(2);
  });

  it('does not count silence while paused by backpressure', async () => {
    const t = clientUnderTest({ keepaliveMs: 1_000, keepaliveMissFactor: 3 });
    await inventorying(t);
    t.client.pause();
    t.timers.advance(10_000);
    expect(t.kinds()).toEqual(['connected']);
    t.client.resume();
    t.timers.advance(2_999);
    expect(t.kinds()).toEqual(['connected', 'keepalive-missed']);
    t.timers.advance(1);
    await poll(() => t.kinds()).toContain('disconnected');
  });

  it('asks for no keepalives and runs no watchdog with keepaliveMs 0', async () => {
    const t = clientUnderTest({ keepaliveMs: 0 });
    await inventorying(t);
    expect(t.reader.received.find((m) => m.type === 'SET_READER_CONFIG')).toMatchObject({
      keepaliveSpec: { keepaliveTriggerType: 0 },
    });
    t.timers.advance(3_600_000);
    expect(t.kinds()).toEqual(['connected']);
  });

  it('reconnects when the connection drops', async () => {
    const t = clientUnderTest();
    await inventorying(t);
    t.reader.drop();
    await expect
      .poll(() => t.statuses.find((s) => s.kind === 'disconnected'))
      .toMatchObject({ code: LlrpClientErrorCode.DISCONNECTED });
    t.timers.advance(100);
    await poll(() => t.reader.connections).toBe(2);
    t.reader.greet();
    await poll(() => t.kinds().filter((k) => k === 'connected').length).toBe(2);
  });
});
