import { describe, expect, it } from 'vitest';
import {
  decidingReadUs,
  decidingRecord,
  evidenceIds,
  systemLatency,
  type EvidenceRecord,
  type ProducedEvent,
} from '../../../bench/pipeline/deciding-read.js';

// Issue 7: the bench's headline latency runs from the deciding read (the newest read locate had for
// the event) to the stored event, not from the first read of the evidence.
const records = new Map<string, EvidenceRecord[]>([
  // A first read emitted at once, then its window's summary (same id) after the event was produced.
  [
    'obs-a',
    [
      { producedMs: 1_000, lastSeenUs: 900_000 },
      { producedMs: 3_000, lastSeenUs: 1_900_000 },
    ],
  ],
  ['obs-b', [{ producedMs: 1_800, lastSeenUs: 1_500_000 }]],
]);

describe('deciding read', () => {
  it('is the newest lastSeenUs of the evidence records produced before the event', () => {
    const event: ProducedEvent = { producedMs: 2_000, evidence: ['obs-a', 'obs-b'] };
    expect(decidingReadUs(event, records)).toBe(1_500_000);
  });

  it('ignores a summary that arrived after locate produced the event', () => {
    expect(decidingReadUs({ producedMs: 2_000, evidence: ['obs-a'] }, records)).toBe(900_000);
    expect(decidingReadUs({ producedMs: 3_000, evidence: ['obs-a'] }, records)).toBe(1_900_000);
  });

  it('names the record that holds it, the first produced when two hold the same read', () => {
    const twice = new Map<string, EvidenceRecord[]>([
      ['obs-c', [{ producedMs: 1_700, lastSeenUs: 1_500_000 }]],
      ['obs-b', [{ producedMs: 1_600, lastSeenUs: 1_500_000 }]],
    ]);
    expect(decidingRecord({ producedMs: 2_000, evidence: ['obs-c', 'obs-b'] }, twice)).toEqual({
      producedMs: 1_600,
      lastSeenUs: 1_500_000,
    });
  });

  it('is unknown without evidence records', () => {
    expect(decidingReadUs({ producedMs: 2_000, evidence: ['obs-x'] }, records)).toBeUndefined();
    expect(decidingReadUs({ producedMs: 2_000, evidence: [] }, records)).toBeUndefined();
  });

  it('collects each evidence id once', () => {
    const ids = evidenceIds([
      { producedMs: 1, evidence: ['a', 'b'] },
      { producedMs: 2, evidence: ['b', 'c'] },
    ]);
    expect([...ids].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('system latency', () => {
  it('splits deciding read → stored at the moment locate produced the event', () => {
    const produced = new Map<string, ProducedEvent>([
      ['e1', { producedMs: 2_000, evidence: ['obs-a', 'obs-b'] }],
      ['e2', { producedMs: 2_000, evidence: ['obs-x'] }],
    ]);
    const stored = new Map([
      ['e1', { storedMs: 2_250 }],
      ['e2', { storedMs: 2_300 }],
      ['e3', { storedMs: 2_400 }],
    ]);
    const s = systemLatency(stored, produced, records);
    // e1: deciding read at 1 500 ms, produced at 2 000, stored at 2 250.
    expect(s.latency.events).toBe(1);
    expect(s.latency.p50).toBe(750);
    expect(s.split.decide.p50).toBe(500);
    expect(s.split.store.p50).toBe(250);
    // obs-b holds the deciding read: produced by dedup at 1 800 ms, 300 ms after the read; locate
    // produced the event 200 ms after that.
    expect(s.split.observe.p50).toBe(300);
    expect(s.split.locate.p50).toBe(200);
    // e2 has no evidence record, e3 was never read from the events topic.
    expect(s.eventsWithoutDecidingRead).toBe(2);
  });
});

describe('steady latency', () => {
  // Deciding reads at 1 000, 5 000 and 9 000 ms; each event stored 400, 300 and 200 ms later.
  const records = new Map<string, EvidenceRecord[]>([
    ['a', [{ producedMs: 1_100, lastSeenUs: 1_000_000 }]],
    ['b', [{ producedMs: 5_100, lastSeenUs: 5_000_000 }]],
    ['c', [{ producedMs: 9_100, lastSeenUs: 9_000_000 }]],
  ]);
  const produced = new Map<string, ProducedEvent>([
    ['e1', { producedMs: 1_200, evidence: ['a'] }],
    ['e2', { producedMs: 5_200, evidence: ['b'] }],
    ['e3', { producedMs: 9_150, evidence: ['c'] }],
  ]);
  const stored = new Map([
    ['e1', { storedMs: 1_400 }],
    ['e2', { storedMs: 5_300 }],
    ['e3', { storedMs: 9_200 }],
  ]);

  it('keeps the events whose deciding read is in the window, however late they were stored', () => {
    const s = systemLatency(stored, produced, records, { fromMs: 4_000, toMs: 9_000 });
    expect(s.latency.events).toBe(1);
    expect(s.latency.max).toBe(300);
    expect(s.split.decide.max).toBe(200);
    expect(s.split.store.max).toBe(100);
    // Every event still counts in the whole run.
    expect(s.wholeRun.events).toBe(3);
    expect(s.wholeRun.max).toBe(400);
    // And its split: e1 waited longest in the sink (200 ms); e3, outside the window, least in locate.
    expect(s.wholeRunSplit.store.max).toBe(200);
    expect(s.wholeRunSplit.locate.max).toBe(100);
    expect(s.wholeRunSplit.locate.p50).toBe(100);
    expect(s.wholeRunSplit.observe.max).toBe(100);
    expect(s.wholeRunSplit.decide.max).toBe(200);
  });

  it('is the whole run without a window', () => {
    const s = systemLatency(stored, produced, records);
    expect(s.latency.events).toBe(3);
    expect(s.latency.max).toBe(s.wholeRun.max);
  });
});
