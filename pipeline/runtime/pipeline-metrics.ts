import type { Logger } from '../../runtime/logger.js';
import { dedupOpenWindows, locatePalletsTracked, mqttConnected } from '../../runtime/metrics.js';
import type { ReadinessCheck } from '../../runtime/ops-server.js';
import type { RunningPipeline } from '../pipeline.js';
import { DedupStage } from '../dedup/dedup-stage.js';
import { LocateStage } from '../locate/locate-stage.js';
import { SinkStage } from '../sink/sink-stage.js';
import { LagMetrics } from './lag-metrics.js';

export interface PipelineObservation {
  /** `/readyz` conditions: each stage joined its group, the bridge's MQTT connections up, the database reachable. */
  readonly readiness: Record<string, ReadinessCheck>;
  stop(): Promise<void>;
}

/**
 * The metrics a running pipeline process exposes beyond its counters: state size of dedup and
 * locate, MQTT connection state of the bridge, consumer lag of its groups, and its readiness.
 */
export async function observePipeline(
  pipeline: RunningPipeline,
  log: Logger,
  options: { lagPeriodMs?: number } = {},
): Promise<PipelineObservation> {
  const unsample: Array<() => void> = [];
  const readiness: Record<string, ReadinessCheck> = {};
  for (const [name, runner] of pipeline.runners) {
    readiness[`${name} joined its consumer group`] = () => runner.ready;
    const stage = runner.stage;
    if (stage instanceof DedupStage)
      unsample.push(dedupOpenWindows.sample({}, () => stage.operator.openWindowCount));
    if (stage instanceof LocateStage) unsample.push(locatePalletsTracked.sample({}, () => stage.palletCount));
    if (stage instanceof SinkStage)
      readiness['database reachable'] = () => stage.databaseReachable().catch(() => false);
  }
  const bridge = pipeline.bridge;
  if (bridge) {
    bridge
      .connections()
      .forEach((client, i) =>
        unsample.push(mqttConnected.sample({ client: `bridge-${i}` }, () => (client.connected ? 1 : 0))),
      );
    readiness['bridge connected to MQTT'] = () => bridge.connections().every((c) => c.connected);
  }
  const lag = new LagMetrics(
    pipeline.kafka,
    [...pipeline.runners.values()].map((r) => ({ groupId: r.stage.groupId, topics: r.stage.inputs })),
    log,
    options.lagPeriodMs === undefined ? {} : { periodMs: options.lagPeriodMs },
  );
  await lag.start();
  return {
    readiness,
    async stop() {
      for (const u of unsample) u();
      await lag.stop();
    },
  };
}
