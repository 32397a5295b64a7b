import type { BenchResult } from './run-bench.js';

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

/** The human-readable report: headline figures, per-component usage, per-stage drain, baselines. */
export function formatReport(r: BenchResult): string {
  const out: string[] = [];
  const rate =
    r.ratePerReader === null ? 'as many reads/s as the bridge takes' : `${fmt(r.ratePerReader)} reads/s`;
  out.push(
    `${r.command}  (site ${r.site}, ${r.readers} readers × ${rate} × ${r.durationSec} s, ${r.batch} reads per batch; ` +
      `sink commit ${r.sinkCommit}; MQTT ${r.mqtt.broker} ${r.mqtt.url}${r.mqtt.settings.length > 0 ? `: ${r.mqtt.settings.join(', ')}` : ''})`,
  );
  out.push('');
  const headline: string[][] = [
    ['figure', 'value'],
    ['reads sent', fmt(r.readsSent)],
    ['offered reads/s', fmt(r.offeredReadsPerSec)],
    ['pipeline reads/s (until every stage drained)', fmt(r.readsPerSec)],
    ['sustained reads/s (every stage, steady half of the load)', fmt(r.sustainedReadsPerSec)],
    ...(r.heldByBridgeShare === null
      ? []
      : [['share of the load held back for the bridge', fmt(r.heldByBridgeShare, 2)]]),
    ['reads in raw topic', fmt(r.readsInRawTopic)],
    ['lost', fmt(r.lost)],
    ['duplicated batches', fmt(r.duplicated)],
    ['observations stored', fmt(r.observationsStored)],
    ['reads the stored observations count', fmt(r.readsInObservations)],
    ['zone events stored', fmt(r.zoneEventsStored)],
    [
      'deciding read → stored event p50 / p95 / p99 ms (steady half, events)',
      `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p95)} / ${fmt(r.latencyMs.p99)} (${fmt(r.latencyMs.events)})`,
    ],
    [
      '  of which deciding read → produced by locate p50 / p99',
      `${fmt(r.latencySplitMs.decide.p50)} / ${fmt(r.latencySplitMs.decide.p99)}`,
    ],
    [
      '    deciding read → its observation produced by dedup p50 / p99',
      `${fmt(r.latencySplitMs.observe.p50)} / ${fmt(r.latencySplitMs.observe.p99)}`,
    ],
    [
      '    that observation → event produced by locate p50 / p99',
      `${fmt(r.latencySplitMs.locate.p50)} / ${fmt(r.latencySplitMs.locate.p99)}`,
    ],
    [
      '  of which produced → stored p50 / p99',
      `${fmt(r.latencySplitMs.store.p50)} / ${fmt(r.latencySplitMs.store.p99)}`,
    ],
    [
      'the same over the whole run, start-up included (events)',
      `${fmt(r.latencyWholeRunMs.p50)} / ${fmt(r.latencyWholeRunMs.p95)} / ${fmt(r.latencyWholeRunMs.p99)} (${fmt(r.latencyWholeRunMs.events)})`,
    ],
    [
      '  of which observe / locate / store p50 / p99',
      (['observe', 'locate', 'store'] as const)
        .map((leg) => `${fmt(r.latencySplitWholeRunMs[leg].p50)} / ${fmt(r.latencySplitWholeRunMs[leg].p99)}`)
        .join(', '),
    ],
    [
      'first evidence read → stored event p50 / p95 / p99 ms',
      `${fmt(r.firstEvidenceToStoredMs.p50)} / ${fmt(r.firstEvidenceToStoredMs.p95)} / ${fmt(r.firstEvidenceToStoredMs.p99)}`,
    ],
    [
      'events without a deciding read found / without a stored time',
      `${fmt(r.eventsWithoutDecidingRead)} / ${fmt(r.eventsWithoutStoredTime)}`,
    ],
  ];
  out.push(table(headline));
  out.push('');
  const usage: string[][] = [['component', 'cpu s', 'reads per cpu s', 'peak RSS MB']];
  for (const [name, u] of Object.entries(r.components))
    usage.push([
      name,
      fmt(u.cpuSec, 1),
      fmt((name === 'loadgen' ? r.readsSent : r.readsInRawTopic) / Math.max(u.cpuSec, 0.01)),
      fmt(u.peakRssMb, 0),
    ]);
  out.push(table(usage));
  out.push('');
  const load: string[][] = [
    [
      'stage under load',
      'in /s',
      'steady in /s',
      'unit',
      'steady reads/s',
      'peak lag',
      'lag growth /s',
      'cpu cores',
    ],
  ];
  for (const [name, st] of Object.entries(r.stages))
    load.push([
      name,
      fmt(st.inPerSec),
      fmt(st.steadyInPerSec),
      st.unit,
      fmt(st.steadyReadsPerSec),
      fmt(st.peakLag),
      fmt(st.lagGrowthPerSec, 1),
      fmt(st.cpuCores, 2),
    ]);
  out.push(table(load));
  out.push('');
  const drain: string[][] = [['stage', 'lag at load end', 'drained after s', 'own share s', 'lag at end']];
  for (const [name, d] of Object.entries(r.drain))
    drain.push([
      name,
      fmt(d.lagAtLoadEnd),
      d.drainSec === null ? 'not drained' : fmt(d.drainSec, 1),
      d.ownDrainSec === null ? '-' : fmt(d.ownDrainSec, 1),
      fmt(d.lagAtEnd),
    ]);
  out.push(table(drain));
  out.push(`bottleneck: ${r.bottleneck ?? 'none (every stage kept up with the offered load)'}`);
  if (r.bottleneck && r.components[r.bottleneck])
    out.push(`  ${r.bottleneck}: ${fmt(r.components[r.bottleneck]!.cpuSec, 1)} CPU s`);
  const h = r.latencyHopsMs;
  const p = (x: { p50: number; p99: number }): string => `${fmt(x.p50)} / ${fmt(x.p99)}`;
  out.push(
    `latency hops p50 / p99 ms: publish → raw topic ${p(h.publishToRaw)}; deciding read → its observation ${p(h.decidingReadToObservation)}; ` +
      `deciding read → zone event produced ${p(h.readToEvent)}; produced → stored ${p(h.eventToStored)} ` +
      `(newest read → observation over every observation, summaries included: ${p(h.readToObservation)})`,
  );
  if (r.latencyBottleneck) out.push(`latency bottleneck (adds most to p99 > 1 s): ${r.latencyBottleneck}`);
  const goal = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? 'met' : 'NOT met');
  out.push(
    `goals: zero loss ${goal(r.goals.zeroLoss)}; ≥ 100k raw reads/s ${goal(r.goals.rawReadsPerSecAtLeast100k)}; ` +
      `÷ raw Kafka consume ≥ 0.5 ${goal(r.goals.kafkaConsumeRatioAtLeastHalf)}; p99 ≤ 1 s ${goal(r.goals.p99AtMost1s)}`,
  );
  if (r.baselines && r.ratios) {
    out.push('');
    out.push(
      table([
        ['raw baseline', 'raw /s', 'ours ÷ raw'],
        [
          'kafkajs batch consume of the raw topic (reads; ratio: sustained)',
          fmt(r.baselines.kafkaConsumeReadsPerSec),
          fmt(r.ratios.kafkaConsume, 3),
        ],
        [
          'catch-up: the pipeline over the same raw topic, alone (reads; ratio: ÷ the consume)',
          r.catchUp ? fmt(r.catchUp.readsPerSec) : '-',
          fmt(r.ratios.kafkaConsumeCatchUp, 3),
        ],
        [
          `COPY of the ${fmt(r.baselines.copyRows)} observation rows (rows)`,
          fmt(r.baselines.copyRowsPerSec),
          fmt(r.ratios.copy, 3),
        ],
        [
          'MQTT publish/subscribe of the same payloads (reads)',
          fmt(r.baselines.mqttReadsPerSec),
          fmt(r.ratios.mqtt, 3),
        ],
      ]),
    );
  }
  if (r.catchUp) {
    const c = r.catchUp;
    out.push('');
    out.push(
      `catch-up: dedup, locate and sink from nothing over the raw topic, nothing else running: ` +
        `${fmt(c.readsPerSec)} reads/s (10–70% of the reads stored), ${fmt(c.readsStored)} reads stored in ` +
        `${fmt(c.seconds, 1)} s${c.complete ? '' : ' (NOT complete: timed out)'}; most CPU per read: ${c.busiest}`,
    );
    const rows: string[][] = [['catch-up stage', 'cpu s', 'cpu µs per read', 'cores', 'peak RSS MB']];
    for (const [name, st] of Object.entries(c.stages))
      rows.push([name, fmt(st.cpuSec, 1), fmt(st.cpuUsPerRead, 2), fmt(st.cores, 2), fmt(st.peakRssMb)]);
    out.push(table(rows));
  }
  if (r.catchUp?.machine) {
    const m = r.catchUp.machine;
    const stages = Object.entries(m.stagesCoreUsPerRead)
      .map(([name, us]) => `${name} ${fmt(us, 2)}`)
      .join(', ');
    out.push(
      `catch-up in full flow (${fmt(m.seconds, 1)} s): the machine ${fmt(m.busyCores, 2)} cores busy` +
        `${m.stealCores >= 0.01 ? ` (${fmt(m.stealCores, 2)} stolen)` : ''}, ${fmt(m.coreUsPerRead, 2)} CPU µs per read ` +
        `all told: ${stages}; PostgreSQL ${fmt(m.postgresCoreUsPerRead, 2)}, Kafka (Java) ${fmt(m.javaCoreUsPerRead, 2)}, ` +
        `the rest ${fmt(m.otherCoreUsPerRead, 2)}`,
    );
  }
  if (r.kafkaConsumeHalf && r.baselines) {
    const h = r.kafkaConsumeHalf;
    const raw = r.baselines.kafkaConsumeMachine;
    out.push(
      `÷ raw consume ≥ 0.5 is ${fmt(h.readsPerSec)} reads/s: on ${fmt(h.cores)} cores, at most ` +
        `${fmt(h.coreUsPerReadAllowed, 2)} CPU µs per read with every process together` +
        (h.catchUpCoreUsPerRead === null
          ? ''
          : `; the catch-up spent ${fmt(h.catchUpCoreUsPerRead, 2)} (${fmt(h.catchUpCoreUsPerRead / h.coreUsPerReadAllowed, 1)}×)`) +
        `; the raw consume ${fmt(raw.coreUsPerRead, 2)} (${fmt(raw.busyCores, 2)} cores busy)`,
    );
  }
  return `${out.join('\n')}\n`;
}
