import { describe, expect, it } from 'vitest';
import { ReaderHealth } from '../../../pipeline/rules/reader-health.js';
import { ManualClock } from '../../../runtime/clock.js';
import { Alert } from '../../../schemas/index.js';
import { T0 } from './fixtures.js';

const S = 1_000_000;

describe('ReaderHealth', () => {
  it('raises READER_DOWN once for a reader that stops sending, on the injected clock, and clears on its next batch', () => {
    const clock = new ManualClock(T0);
    const health = new ReaderHealth(clock, { silenceUs: 30 * S });
    health.onBatch('T1', 'R1', 0, T0 - 100_000);
    health.onBatch('T1', 'R2', 1, T0 - 50_000);
    clock.advance(29 * S);
    health.onBatch('T1', 'R2', 1, T0 + 29 * S);
    expect(health.tick()).toEqual([]);
    clock.advance(S);
    const alerts = health.tick();
    expect(alerts.map((a) => [a.kind, a.readerId, a.atUs, a.details['source']])).toEqual([
      ['READER_DOWN', 'R1', T0 - 100_000, 'silence'],
    ]);
    Alert.parse(alerts[0]);
    clock.advance(60 * S);
    health.onBatch('T1', 'R2', 1, T0 + 90 * S);
    expect(health.tick()).toEqual([]); // R1 already alerted for this outage
    health.onBatch('T1', 'R1', 0, T0 + 90 * S);
    clock.advance(31 * S);
    expect(health.tick().map((a) => a.readerId)).toEqual(['R1', 'R2']); // both silent again: new outages
  });

  it('raises READER_DOWN from an offline status, once per outage, with an id from the status time', () => {
    const clock = new ManualClock(T0);
    const health = new ReaderHealth(clock);
    const first = health.onStatus('T1', 'R1', 'offline', T0, 'last will');
    expect(first.map((a) => [a.kind, a.readerId, a.details['source'], a.details['detail']])).toEqual([
      ['READER_DOWN', 'R1', 'status', 'last will'],
    ]);
    expect(health.onStatus('T1', 'R1', 'offline', T0 + S)).toEqual([]);
    clock.advance(60 * S);
    expect(health.tick()).toEqual([]); // the silence of a reader already down raises nothing more
    expect(health.onStatus('T1', 'R1', 'online', T0 + 61 * S)).toEqual([]);
    const again = health.onStatus('T1', 'R1', 'offline', T0 + 90 * S);
    expect(again).toHaveLength(1);
    expect(again[0]!.id).not.toBe(first[0]!.id);
    const replay = new ReaderHealth(new ManualClock(T0)).onStatus('T1', 'R1', 'offline', T0, 'last will');
    expect(replay[0]!.id).toBe(first[0]!.id);
    expect(health.onStatus('T1', 'R1', 'degraded', T0 + 95 * S)).toEqual([]);
  });

  it('forgets readers whose partitions moved away', () => {
    const clock = new ManualClock(T0);
    const health = new ReaderHealth(clock, { silenceUs: S });
    health.onBatch('T1', 'R1', 0, T0);
    health.onBatch('T1', 'R2', 1, T0);
    health.forgetPartitions(new Set([0]));
    clock.advance(2 * S);
    expect(health.tick().map((a) => a.readerId)).toEqual(['R2']);
  });
});
