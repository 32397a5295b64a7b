import { describe, expect, it } from 'vitest';
import { LlrpClientErrorCode, LlrpConnectionError } from '../../../adapters/llrp/client/index.js';
import { clientUnderTest, poll } from './client-under-test.js';

describe('LLRP client: connection handshake (spec §18.1)', () => {
  it('sends nothing before the connection event, then resets, configures and starts in order', async () => {
    const t = clientUnderTest({ rospecId: 9 });
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    expect(t.client.currentState).toBe('awaiting-event');
    t.timers.advance(4_000);
    expect(t.reader.received).toEqual([]);

    t.reader.greet();
    await poll(() => t.client.currentState).toBe('inventorying');
    expect(t.reader.types()).toEqual([
      'DELETE_ACCESSSPEC',
      'DELETE_ROSPEC',
      'SET_READER_CONFIG',
      'ADD_ROSPEC',
      'ENABLE_ROSPEC',
      'START_ROSPEC',
    ]);
    expect(t.reader.received[0]).toMatchObject({ accessSpecId: 0 });
    expect(t.reader.received[1]).toMatchObject({ roSpecId: 0 });
    expect(t.reader.received[2]).toMatchObject({
      keepaliveSpec: { keepaliveTriggerType: 1, periodicTriggerValue: 1_000 },
      roReportSpec: { roReportTrigger: 1, n: 0 },
      eventsAndReports: { holdEventsAndReportsUponReconnect: false },
    });
    expect(t.reader.received[3]).toMatchObject({ roSpec: { roSpecId: 9, currentState: 0 } });
    // Message IDs are distinct and increasing within the connection.
    const ids = t.reader.received.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(t.kinds()).toEqual(['connected']);
  });

  it('enables Impinj extensions first when asked to', async () => {
    const t = clientUnderTest({ impinjExtensions: true, searchMode: 'dual-target', session: 2 });
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.client.currentState).toBe('inventorying');
    expect(t.reader.types()[0]).toBe('IMPINJ_ENABLE_EXTENSIONS');
    const add = t.reader.received.find((m) => m.type === 'ADD_ROSPEC');
    expect(JSON.stringify(add, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).toContain(
      '"inventorySearchMode":2',
    );
  });

  it('gives up on a reader that never sends the connection event, and retries after the backoff', async () => {
    const t = clientUnderTest({}, () => 0);
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.timers.advance(5_000);
    await poll(() => t.errors.length).toBe(1);
    expect(t.errors[0]).toMatchObject({ code: LlrpClientErrorCode.CONNECT_FAILED });
    expect(t.reader.received).toEqual([]);
    // random() = 0 → the lower end of the jitter: half the first delay.
    expect(t.statuses.at(-1)).toEqual({ kind: 'reconnecting', detail: 'reconnecting in 50 ms', delayMs: 50 });
    t.timers.advance(49);
    expect(t.reader.connections).toBe(1);
    t.timers.advance(1);
    await poll(() => t.reader.connections).toBe(2);
  });

  it('treats ConnectionAttemptEvent ≠ Success as a refusal with its status', async () => {
    const t = clientUnderTest();
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet(1);
    await poll(() => t.errors.length).toBe(1);
    const error = t.errors[0] as LlrpConnectionError;
    expect(error).toBeInstanceOf(LlrpConnectionError);
    expect(error).toMatchObject({ code: LlrpClientErrorCode.CONNECTION_REFUSED, connectionAttemptStatus: 1 });
    expect(error.message).toMatch(/Failed_A_Reader_Initiated_Connection_Already_Exists/);
    expect(t.reader.received).toEqual([]);
    expect(t.client.currentState).toBe('reconnecting');
  });
});
