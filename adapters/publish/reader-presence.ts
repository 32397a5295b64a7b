import type { MqttClient } from 'mqtt';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { ReaderStatus, mqttTopics, parseWith, type ReaderState } from '../../schemas/index.js';
import { connectMqtt, endMqtt } from './mqtt-connection.js';

/** Jumps in a reader's own event counter and the events they lost (ReaderStatus fields). */
export interface SequenceGapTotals {
  sequenceGaps: number;
  missingEvents: number;
}

export interface PresenceSettings {
  mqttUrl: string;
  clientId: string;
  site: string;
  readerId: string;
  keepaliveSec: number;
  reconnectPeriodMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * One reader's retained status on `…/readers/{readerId}/status`, on a small MQTT connection of its
 * own whose last will is that reader's `offline`.
 *
 * Why a connection per reader: MQTT gives each connection exactly one will, on one topic, and the
 * contract (ARCHITECTURE.md, schemas/reader-status.ts) puts status on the reader's topic. Sharing
 * the data connection could cover one reader only; an adapter-level status topic would need a
 * contract change that every consumer of reader status would have to learn. An adapter serves a
 * handful of ports, so N+1 connections are cheap; when the process dies, the broker sees every
 * one of them drop and publishes every reader's will.
 *
 * Status is never queued while disconnected (a stale `online` replayed after a reconnect could
 * overwrite a newer `offline`): the latest state is republished on every (re)connect instead.
 */
export class ReaderPresence {
  private readonly client: MqttClient;
  private readonly topic: string;
  private current: ReaderStatus | undefined;
  private acked = 0;
  private gaps: SequenceGapTotals | undefined;

  constructor(private readonly settings: PresenceSettings) {
    this.topic = mqttTopics.status(settings.site, settings.readerId);
    const will: ReaderStatus = {
      v: 1,
      site: settings.site,
      readerId: settings.readerId,
      state: 'offline',
      detail: 'adapter connection lost (MQTT last will)',
    };
    this.client = connectMqtt(
      settings.mqttUrl,
      {
        clientId: settings.clientId,
        keepalive: settings.keepaliveSec,
        reconnectPeriod: settings.reconnectPeriodMs,
        will: { topic: this.topic, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
      },
      settings.logger,
    );
    this.client.on('connect', () => {
      if (this.current !== undefined) void this.publish(this.current);
    });
  }

  get state(): ReaderState | undefined {
    return this.current?.state;
  }

  /** Status messages the broker acknowledged on this connection. */
  get published(): number {
    return this.acked;
  }

  set(state: ReaderState, detail?: string): void {
    const status = parseWith(ReaderStatus, 'ReaderStatus', {
      v: 1,
      site: this.settings.site,
      readerId: this.settings.readerId,
      state,
      atUs: this.settings.clock.nowUs(),
      ...(detail === undefined ? {} : { detail: detail.slice(0, 500) }),
      ...this.gaps,
    });
    const changed = this.current?.state !== state;
    this.current = status;
    if (changed) this.settings.logger.info({ readerId: status.readerId, state, detail }, 'reader status');
    if (this.client.connected) void this.publish(status);
  }

  /**
   * Republish the current status with per-antenna read rates (a health heartbeat), keeping state
   * and detail. Before the first set() there is nothing to republish.
   */
  setHealth(antennaReadsPerSec: Record<string, number>): void {
    if (this.current === undefined) return;
    this.current = parseWith(ReaderStatus, 'ReaderStatus', {
      ...this.current,
      atUs: this.settings.clock.nowUs(),
      antennaReadsPerSec,
    });
    if (this.client.connected) void this.publish(this.current);
  }

  /**
   * The reader's sequence-gap totals, carried by every status from now on (health heartbeats
   * included). Republished at once when `republish`; otherwise the next heartbeat carries them.
   */
  setSequenceGaps(totals: SequenceGapTotals, republish: boolean): void {
    this.gaps = { ...totals };
    if (this.current === undefined) return;
    this.current = parseWith(ReaderStatus, 'ReaderStatus', {
      ...this.current,
      atUs: this.settings.clock.nowUs(),
      ...this.gaps,
    });
    if (republish && this.client.connected) void this.publish(this.current);
  }

  /** Publish `offline`, wait for its PUBACK (up to `timeoutMs`), then disconnect. */
  async close(detail: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let delivered = false;
    if (this.client.connected) {
      this.current = parseWith(ReaderStatus, 'ReaderStatus', {
        v: 1,
        site: this.settings.site,
        readerId: this.settings.readerId,
        state: 'offline',
        atUs: this.settings.clock.nowUs(),
        detail,
        ...this.gaps,
      });
      delivered = await this.publish(this.current, timeoutMs);
    }
    // Without a delivered `offline`, drop the socket instead: the broker then publishes the will.
    await endMqtt(this.client, delivered, Math.max(0, deadline - Date.now()) + 100);
    return delivered;
  }

  /** True once acknowledged; false on error or after `timeoutMs`. Never rejects. */
  private publish(status: ReaderStatus, timeoutMs = 60_000): Promise<boolean> {
    return new Promise((resolve) => {
      // unref: a status stuck in a dead connection must not keep a stopping process alive.
      const timer = setTimeout(() => resolve(false), timeoutMs).unref();
      this.client.publish(this.topic, JSON.stringify(status), { qos: 1, retain: true }, (err) => {
        clearTimeout(timer);
        if (err) {
          this.settings.logger.warn(
            { readerId: status.readerId, err: describeError(err) },
            'reader status not published',
          );
          resolve(false);
        } else {
          this.acked++;
          resolve(true);
        }
      });
    });
  }
}
