import { cpus } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/pipeline/run-bench.js';
import { spawnBondtrack } from '../helpers/cli-process.js';
import { testServices } from '../helpers/services.js';

// Issue 7 item 4: a CI-sized flood. `bondtrack bench` publishes ReadBatches straight to MQTT with
// a random site id, topic prefix and schema, runs the four stages as child processes and counts
// the raw topic afterwards. Speed is the benchmark's business; here only correctness is asserted.
// The first case runs the command as a user would: on the bench's own Mosquitto (deploy/mosquitto's
// queue limits); the second, capacity mode, on the shared broker, whose default queue of 1000
// messages per session the closed loop must never overflow.
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
      '--no-progress',
      '--json',
      '--kafka-brokers',
      services.kafkaBrokers.join(','),
      '--database-url',
      services.databaseUrl,
    ]);
    expect(await bench.exited()).toBe(0);
    const result = JSON.parse(bench.stdout()) as BenchResult;

    expect(result.mqtt.broker).toBe('private');
    expect(result.mqtt.settings).toContain('max_queued_messages 200000');
    expect(result.readsSent).toBe(READERS * RATE * DURATION_SEC);
    expect(result.readsInRawTopic).toBe(result.readsSent);
    expect(result.lost).toBe(0);
    expect(result.duplicated).toBe(0);
    // The flood went all the way through: observations and zone events were stored, and no stage
    // was still behind when the watch ended.
    expect(result.observationsStored).toBeGreaterThan(0);
    expect(result.zoneEventsStored).toBeGreaterThan(0);
    // Each read is counted once in storage: window summaries are stored, the first reads they
    // include are not (a late read is an observation of its own, counted once too).
    expect(result.readsInObservations).toBe(result.readsInRawTopic);
    expect(Object.values(result.drain).map((d) => d.drainSec)).not.toContain(null);
    // Every stage took input under load and used CPU, and the bottleneck verdict names a stage or none.
    expect(Object.keys(result.stages).sort()).toEqual(['bridge', 'dedup', 'locate', 'sink']);
    for (const [name, stage] of Object.entries(result.stages)) {
      expect(stage.inPerSec, name).toBeGreaterThan(0);
      expect(stage.cpuCores, name).toBeGreaterThan(0);
    }
    expect([null, 'bridge', 'dedup', 'locate', 'sink']).toContain(result.bottleneck);
    expect(result.goals.zeroLoss).toBe(true);
    // Every stored event's latency runs from its deciding read, found among its evidence records.
    expect(result.latencyMs.events).toBeGreaterThan(0);
    expect(result.eventsWithoutDecidingRead).toBe(0);
    expect(result.eventsWithoutStoredTime).toBe(0);
    expect(result.latencyWholeRunMs.events).toBe(result.firstEvidenceToStoredMs.events);
    // The headline keeps the events decided in the steady half of the load: pallets kept moving there.
    expect(result.latencyMs.events).toBeGreaterThan(0);
    expect(result.latencyMs.events).toBeLessThan(result.latencyWholeRunMs.events);
    // The deciding read is the newest of the evidence, so never earlier than its first read.
    expect(result.latencyWholeRunMs.p50).toBeLessThanOrEqual(result.firstEvidenceToStoredMs.p50);

    // The baselines ran, and the catch-up (the pipeline from nothing over the same raw topic, with
    // --reads-prefix) counted every read in storage once, as the live run did.
    expect(result.baselines!.kafkaConsumeReadsPerSec).toBeGreaterThan(0);
    expect(result.baselines!.copyRows).toBe(result.observationsStored);
    const catchUp = result.catchUp!;
    expect(catchUp.complete).toBe(true);
    expect(catchUp.readsStored).toBe(result.readsInRawTopic);
    expect(catchUp.readsPerSec).toBeGreaterThan(0);
    expect(Object.keys(catchUp.stages).sort()).toEqual(['dedup', 'locate', 'sink']);
    for (const [name, stage] of Object.entries(catchUp.stages)) expect(stage.cpuSec, name).toBeGreaterThan(0);
    expect(catchUp.stages[catchUp.busiest]!.cpuUsPerRead).toBe(
      Math.max(...Object.values(catchUp.stages).map((s) => s.cpuUsPerRead)),
    );
    expect(result.ratios!.kafkaConsumeCatchUp).toBeCloseTo(
      catchUp.readsPerSec / result.baselines!.kafkaConsumeReadsPerSec,
      9,
    );
    // Where the cores went in the catch-up's full flow, and what the ratio goal asks of them.
    const cores = cpus().length;
    const machine = catchUp.machine!;
    expect(machine.seconds).toBeGreaterThan(0);
    expect(machine.busyCores).toBeGreaterThan(0);
    expect(machine.busyCores).toBeLessThanOrEqual(cores);
    expect(Object.keys(machine.stagesCoreUsPerRead).sort()).toEqual(['dedup', 'locate', 'sink']);
    expect(machine.stagesCoreUsPerRead['dedup']).toBeGreaterThan(0);
    expect(machine.coreUsPerRead).toBeGreaterThan(0);
    // The sink's PostgreSQL and the broker (on Java) run on this machine, and worked meanwhile.
    expect(machine.postgresCoreUsPerRead).toBeGreaterThan(0);
    expect(machine.javaCoreUsPerRead).toBeGreaterThan(0);
    const rawMachine = result.baselines!.kafkaConsumeMachine;
    expect(rawMachine.busyCores).toBeGreaterThan(0);
    expect(rawMachine.busyCores).toBeLessThanOrEqual(cores);
    expect(rawMachine.coreUsPerRead).toBeGreaterThan(0);
    const half = result.kafkaConsumeHalf!;
    expect(half.cores).toBe(cores);
    expect(half.readsPerSec).toBeCloseTo(result.baselines!.kafkaConsumeReadsPerSec / 2, 6);
    expect(half.coreUsPerReadAllowed).toBeCloseTo((cores * 1e6) / half.readsPerSec, 6);
    expect(half.catchUpCoreUsPerRead).toBe(machine.coreUsPerRead);
    expect(half.rawConsumeCoreUsPerRead).toBe(rawMachine.coreUsPerRead);
    // Both runs' schemas and topics are gone afterwards.
    const db = new pg.Client({ connectionString: services.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ name: string }>(
        'SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1)',
        [[result.schema, `${result.schema}_catchup`]],
      );
      expect(rows).toEqual([]);
    } finally {
      await db.end();
    }
    const admin = new Kafka({ brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      // A deletion reaches the metadata a moment after the broker has taken it.
      const left = async () =>
        (await admin.listTopics()).filter(
          (t) => t.startsWith(`${result.topicPrefix}.`) || t.startsWith(`${result.topicPrefix}_catchup.`),
        );
      await expect.poll(left, { timeout: 30_000, interval: 250 }).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }, 180_000);

  it('in capacity mode, loses nothing on a stock broker and names what limits the rate', async () => {
    const services = testServices();
    const bench = spawnBondtrack([
      'bench',
      '--readers',
      '4',
      '--rate',
      'max',
      '--duration',
      '10',
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

    expect(result.mode).toBe('capacity');
    expect(result.mqtt).toEqual({ broker: 'external', url: services.mqttUrl, settings: [] });
    expect(result.readsSent).toBeGreaterThan(0);
    expect(result.readsInRawTopic).toBe(result.readsSent);
    expect(result.lost).toBe(0);
    expect(result.duplicated).toBe(0);
    expect(result.sustainedReadsPerSec).toBeGreaterThan(0);
    expect(result.sustainedReadsPerSec).toBe(
      Math.min(...Object.values(result.stages).map((s) => s.steadyReadsPerSec)),
    );
    expect(result.heldByBridgeShare).toBeGreaterThanOrEqual(0);
    expect(result.heldByBridgeShare).toBeLessThanOrEqual(1);
    // Capacity mode always names a limit: a stage, or the load generator itself.
    expect(['bridge', 'dedup', 'locate', 'sink', 'loadgen']).toContain(result.bottleneck);
  }, 120_000);
});
