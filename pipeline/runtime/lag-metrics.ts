import type { Admin, Kafka } from 'kafkajs';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { consumerLag } from '../../runtime/metrics.js';
import { readConsumerLag, type ConsumerLagTarget } from './consumer-lag.js';

export interface LagMetricsOptions {
  /** Poll period. Default 5 s: lag is a trend for alerts, not a per-record figure. */
  periodMs?: number;
}

/**
 * Keeps `bondtrack_consumer_lag{group,topic,partition}` up to date for the consumer groups of this
 * process, by polling the brokers (pipeline/runtime/consumer-lag.ts, shared with the Grafana lag
 * panel). Polling rather than reading at scrape time keeps a scrape fast and the broker load fixed
 * however often Prometheus scrapes. A failed poll (a broker restarting, a topic not created yet) is
 * logged at debug and retried next period; the last values stay.
 */
export class LagMetrics {
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Polls that succeeded, for tests and logs. */
  polls = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly targets: readonly ConsumerLagTarget[],
    private readonly log: Logger,
    private readonly options: LagMetricsOptions = {},
  ) {}

  async start(): Promise<void> {
    if (this.targets.length === 0) return;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.polling = this.poll();
    this.timer = setInterval(() => {
      this.polling ??= this.poll();
    }, this.options.periodMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    await this.admin?.disconnect();
  }

  private async poll(): Promise<void> {
    try {
      const lags = await readConsumerLag(this.admin!, this.targets);
      for (const l of lags)
        consumerLag.set({ group: l.groupId, topic: l.topic, partition: String(l.partition) }, l.lag);
      this.polls++;
    } catch (err) {
      this.log.debug({ err: describeError(err) }, 'consumer lag poll failed; retried next period');
    } finally {
      this.polling = undefined;
    }
  }
}
