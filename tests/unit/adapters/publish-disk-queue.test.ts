import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DiskQueue, type DiskQueueSettings } from '../../../adapters/publish/disk-queue.js';
import type { OutgoingMessage } from '../../../adapters/publish/outbox.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bondtrack-disk-queue-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const message = (i: number): OutgoingMessage => ({
  kind: 'batch',
  readerId: 'dock-1',
  topic: 'bondtrack/v1/s/readers/dock-1/reads',
  payload: JSON.stringify({ batchId: `dock-1:boot:${i}`, reads: ['x'.repeat(50)] }),
  readCount: 1,
  label: `dock-1:boot:${i}`,
  attempts: 0,
});

function open(dir: string, settings: Partial<DiskQueueSettings> = {}): DiskQueue {
  return new DiskQueue({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 1024,
    policy: 'block',
    fsync: false,
    ...settings,
  });
}

/** Take everything waiting, in order. */
function drain(queue: DiskQueue) {
  const out = [];
  for (let m = queue.next(); m !== undefined; m = queue.next()) out.push(m);
  return out;
}

describe('DiskQueue', () => {
  it('hands messages out in order and deletes segments once acknowledged', () => {
    const dir = tempDir();
    const queue = open(dir);
    for (let i = 0; i < 40; i++) queue.append(message(i));
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length).toBeGreaterThan(3);
    const out = drain(queue);
    expect(out.map((m) => m.label)).toEqual(Array.from({ length: 40 }, (_, i) => `dock-1:boot:${i}`));
    for (const m of out) queue.ack(m.diskSeq);
    expect(queue.size).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length).toBeLessThanOrEqual(1);
  });

  it('replays what was not acknowledged after a restart, same payloads, in order, skipping a torn last line', () => {
    const dir = tempDir();
    const first = open(dir);
    for (let i = 0; i < 30; i++) first.append(message(i));
    const out = drain(first);
    for (const m of out.slice(0, 12)) first.ack(m.diskSeq);
    first.saveHead();
    // The process dies mid-append.
    const last = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .at(-1)!;
    appendFileSync(join(dir, last), '{"kind":"batch","readerId":"dock-1","top');

    const second = open(dir);
    expect(second.counters.recovered).toBe(18);
    const replayed = drain(second);
    expect(replayed.map((m) => m.payload)).toEqual(out.slice(12).map((m) => m.payload));
    second.append(message(30));
    expect(second.next()?.label).toBe('dock-1:boot:30');
  });

  it('an empty queue restarts empty, and does not lose a message appended after the last head save', () => {
    const dir = tempDir();
    const first = open(dir);
    first.append(message(0));
    first.ack(drain(first)[0]!.diskSeq);
    first.saveHead();
    first.append(message(1));
    const second = open(dir);
    expect(drain(second).map((m) => m.label)).toEqual(['dock-1:boot:1']);
  });

  it('block policy: not writable when full, writable again once drained to 3/4', async () => {
    const queue = open(tempDir(), { maxBytes: 4096 });
    while (queue.writable) queue.append(message(queue.size));
    const full = queue.size;
    let resumed = false;
    const waiting = queue.whenWritable().then(() => (resumed = true));
    const out = drain(queue);
    queue.ack(out[0]!.diskSeq);
    await Promise.resolve();
    expect(resumed).toBe(false);
    for (const m of out.slice(1, Math.ceil(full / 2))) queue.ack(m.diskSeq);
    await waiting;
    expect(resumed).toBe(true);
    expect(queue.writable).toBe(true);
  });

  it('drop-oldest policy: discards the oldest waiting messages, counts them, keeps the newest', () => {
    const queue = open(tempDir(), { maxBytes: 4096, policy: 'drop-oldest' });
    const inFlight = (queue.append(message(0)), queue.next()!);
    const dropped = [];
    for (let i = 1; i < 100; i++) dropped.push(...queue.append(message(i)));
    expect(queue.writable).toBe(true);
    expect(queue.counters.dropped).toBe(dropped.length);
    expect(dropped.length).toBeGreaterThan(50);
    expect(dropped[0]?.label).toBe('dock-1:boot:1'); // the in-flight one is never dropped
    const rest = drain(queue).map((m) => m.label);
    expect(rest.at(-1)).toBe('dock-1:boot:99');
    expect(queue.sizeBytes).toBeLessThanOrEqual(4096);
    queue.ack(inFlight.diskSeq);
  });
});
