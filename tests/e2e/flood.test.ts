import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/pipeline/run-bench.js';
import { spawnBondtrack } from '../helpers/cli-process.js';
import { testServices } from '../helpers/services.js';

// Issue 7 item 4: a CI-sized flood. `bondtrack bench` publishes ReadBatches straight to MQTT with
// a random site id, topic prefix and schema, runs the four stages as child processes and counts
// the raw topic afterwards. Speed is the benchmark's business; here only correctness is asserted.
const READERS = 8;
const RATE = 500;
const DURATION_SEC = 15;

describe('reader flood through bridge, dedup, locate and sink', () => {
  it('loses no read and duplicates no batch, and every stage catches up', async () => {
    const services = testServices();
    const bench = spawnBondtrack([
      'bench',
      '--readers',
      String(READERS),
      '--rate',
      String(RATE),
      '--duration',
      String(DURATION_SEC),
      '--batch',
      '100',
      '--drain-timeout',
      '40',
      '--no-baselines',
      '--no-progress',
      '--json',
      '--kafka-brokers',
      services.kafkaBrokers.join(','),
      '--mqtt-url',
      services.mqttUrl,
      '--database-url',
      services.databaseUrl,
    ]);
    expect(await bench.exited()).toBe(0);
    const result = JSON.parse(bench.stdout()) as BenchResult;

    expect(result.readsSent).toBe(READERS * RATE * DURATION_SEC);
    expect(result.readsInRawTopic).toBe(result.readsSent);
    expect(result.lost).toBe(0);
    expect(result.duplicated).toBe(0);
    // The flood went all the way through: observations and zone events were stored, and no stage
    // was still behind when the watch ended.
    expect(result.observationsStored).toBeGreaterThan(0);
    expect(result.zoneEventsStored).toBeGreaterThan(0);
    expect(Object.values(result.drain).map((d) => d.drainSec)).not.toContain(null);
    // Every stage took input under load and used CPU, and the bottleneck verdict names a stage or none.
    expect(Object.keys(result.stages).sort()).toEqual(['bridge', 'dedup', 'locate', 'sink']);
    for (const [name, stage] of Object.entries(result.stages)) {
      expect(stage.inPerSec, name).toBeGreaterThan(0);
      expect(stage.cpuCores, name).toBeGreaterThan(0);
    }
    expect([null, 'bridge', 'dedup', 'locate', 'sink']).toContain(result.bottleneck);
    expect(result.goals.zeroLoss).toBe(true);
  }, 120_000);
});
