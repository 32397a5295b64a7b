import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createSimulation,
  formatJsonlRead,
  loadScenario,
  openPtyPair,
  runSimulatorToSerial,
  type PtyPair,
  type Scenario,
  type SimulationOptions,
} from '../../../simulators/index.js';

const START_US = Date.UTC(2026, 3, 1, 8, 0, 0) * 1000;

let scenario: Scenario;
beforeAll(async () => {
  scenario = await loadScenario();
});

function options(): SimulationOptions {
  return { ...scenario, seed: 5, startUs: START_US, profile: 'test', palletCount: 12 };
}

/** One pty pair per reader, and the lines the adapter's end receives. */
async function attachAdapters(
  readerIds: string[],
): Promise<{ pairs: Map<string, PtyPair>; lines: Map<string, string[]> }> {
  const pairs = new Map<string, PtyPair>();
  const lines = new Map<string, string[]>();
  for (const readerId of readerIds) {
    const pair = await openPtyPair();
    onTestFinished(() => pair.close());
    const port = new SerialPort({ path: pair.adapterPath, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    onTestFinished(
      () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
    );
    const received: string[] = [];
    port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (line: string) => received.push(line));
    pairs.set(readerId, pair);
    lines.set(readerId, received);
  }
  return { pairs, lines };
}

describe('runSimulatorToSerial', () => {
  it('writes each reader’s reads to its pty, exactly what the simulation produced, and returns the truth', async () => {
    const readerIds = scenario.site.readers.map((r) => r.id).filter((id) => id !== 'RD-STAGE');
    const { pairs, lines } = await attachAdapters(readerIds);

    // The same simulation in memory: what the adapters must receive, line for line.
    const twin = createSimulation(options());
    const expected = new Map<string, string[]>(readerIds.map((id) => [id, []]));
    let expectedSkipped = 0;
    for (const { readerId, read } of twin.advance(START_US + 30_000_000)) {
      const list = expected.get(readerId);
      if (list) list.push(formatJsonlRead(read).trimEnd());
      else expectedSkipped++;
    }

    const steps: number[] = [];
    const summary = await runSimulatorToSerial({
      simulation: options(),
      ports: pairs,
      durationSec: 30,
      speed: 0,
      onStep: ({ nowUs }) => void steps.push(nowUs),
    });

    expect(summary.aborted).toBe(false);
    expect(summary.endUs).toBe(START_US + 30_000_000);
    expect(steps.length).toBe(30);
    expect(summary.readsSkipped).toBe(expectedSkipped);
    expect(expectedSkipped).toBeGreaterThan(0);
    for (const readerId of readerIds) {
      const want = expected.get(readerId)!;
      expect(summary.readsWritten[readerId], readerId).toBe(want.length);
      await expect.poll(() => lines.get(readerId)!.length, { timeout: 15_000 }).toBe(want.length);
      expect(lines.get(readerId), readerId).toEqual(want);
    }
    expect(Object.values(summary.readsWritten).reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
    expect(summary.truth).toEqual(twin.truth);
  });

  it('paces virtual time against the wall clock × speed, and stops when aborted', async () => {
    const { pairs } = await attachAdapters(['RD-GATE-N']);
    const began = performance.now();
    const paced = await runSimulatorToSerial({
      simulation: options(),
      ports: pairs,
      durationSec: 4,
      speed: 20,
      tickMs: 20,
    });
    // 4 virtual seconds at 20× take at least 200 ms of real time.
    expect(performance.now() - began).toBeGreaterThanOrEqual(195);
    expect(paced.endUs).toBe(START_US + 4_000_000);

    const controller = new AbortController();
    const aborted = await runSimulatorToSerial({
      simulation: options(),
      ports: pairs,
      durationSec: 600,
      speed: 0,
      signal: controller.signal,
      onStep: ({ nowUs }) => {
        if (nowUs >= START_US + 5_000_000) controller.abort();
      },
    });
    expect(aborted.aborted).toBe(true);
    expect(aborted.endUs).toBe(START_US + 5_000_000);
  });

  it('in drop mode a port nobody reads loses reads instead of holding the run', async () => {
    const { pairs, lines } = await attachAdapters(['RD-GATE-N']);
    const unread = await openPtyPair();
    onTestFinished(() => unread.close());
    const summary = await runSimulatorToSerial({
      simulation: options(),
      ports: new Map([...pairs, ['RD-STOR-B', unread] as const]),
      durationSec: 60,
      speed: 0,
      backpressure: 'drop',
      maxQueuedReads: 500,
      flushStallMs: 300,
    });
    expect(summary.aborted).toBe(false);
    expect(summary.endUs).toBe(START_US + 60_000_000);

    const all = createSimulation(options()).advance(START_US + 60_000_000);
    const total = (id: string): number => all.filter((r) => r.readerId === id).length;

    // The read port got everything; the unread one kept what the ptys hold and dropped the rest.
    expect(summary.readsDropped['RD-GATE-N']).toBe(0);
    expect(summary.readsWritten['RD-GATE-N']).toBe(total('RD-GATE-N'));
    await expect.poll(() => lines.get('RD-GATE-N')!.length, { timeout: 15_000 }).toBe(total('RD-GATE-N'));
    expect(summary.readsDropped['RD-STOR-B']).toBeGreaterThan(0);
    expect(summary.readsWritten['RD-STOR-B']! + summary.readsDropped['RD-STOR-B']!).toBe(total('RD-STOR-B'));
  });

  it('in wait mode an abort frees a run held by a port nobody reads', async () => {
    const unread = await openPtyPair();
    onTestFinished(() => unread.close());
    const controller = new AbortController();
    let steps = 0;
    const run = runSimulatorToSerial({
      simulation: options(),
      ports: { 'RD-STOR-B': unread },
      durationSec: 600,
      speed: 0,
      signal: controller.signal,
      onStep: () => void steps++,
    });
    await expect.poll(() => steps).toBeGreaterThan(0);
    controller.abort();
    const summary = await run;
    expect(summary.aborted).toBe(true);
    expect(summary.endUs).toBeLessThan(START_US + 600_000_000);
  });
});
