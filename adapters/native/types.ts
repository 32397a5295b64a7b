import type { PublisherCloseResult, PublisherStats } from '../publish/index.js';
import type { MqttSourceStats } from './mqtt-source.js';

export interface NativeReaderStats {
  readerId: string;
  /** JSON documents received (HTTP bodies / NDJSON lines / MQTT messages). */
  documents: number;
  reads: number;
  /** Events that carry no read (heartbeats, antenna events). */
  skipped: number;
  deadLetters: number;
  /** Jumps in the reader's own event counter (Zebra eventNum), and the events they lost. */
  sequenceGaps: number;
  missingEvents: number;
}

export interface NativeAdapterStats {
  readers: NativeReaderStats[];
  publisher: PublisherStats;
  /** The MQTT input, when any reader has topics: messages taken and backpressure pauses. */
  mqttInput?: MqttSourceStats;
}

/** A running native-payload adapter (see startNativeAdapter). */
export interface NativeAdapter {
  readonly bootId: string;
  /** The HTTP endpoint's port (useful with httpPort 0), undefined without one. */
  httpPort(): number | undefined;
  /** Resolves once subscribed to the readers' MQTT topics (at once without any). Start never waits for it. */
  ready(): Promise<void>;
  /**
   * Readiness conditions for /readyz: connected to the MQTT broker it publishes to, and (with
   * subscribed readers) subscribed on the source broker.
   */
  readiness(): Record<string, () => boolean>;
  stats(): NativeAdapterStats;
  /** Stop HTTP and MQTT input, flush, wait for PUBACKs, publish `offline`. Idempotent. */
  stop(): Promise<PublisherCloseResult>;
}
