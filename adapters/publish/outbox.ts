import type { MqttClient } from 'mqtt';

/** A message formed by the publisher, on its way to the broker with QoS 1. */
export interface OutgoingMessage {
  kind: 'batch' | 'dead-letter';
  readerId: string;
  topic: string;
  /** Serialised once: a retry resends the very same bytes (and so the same batchId). */
  payload: string;
  /** Reads in a batch, 0 for a dead letter: for the counters and the close report. */
  readCount: number;
  /** batchId, or the dead-letter code: for logs. */
  label: string;
  attempts: number;
  /** Position in the on-disk queue, when there is one. */
  diskSeq?: number;
  /** Set by the outbox on first enqueue: a retried message goes back to its place in this order. */
  order?: number;
  /**
   * Without an on-disk queue: settles the publisher's durability promise for this message, with
   * no argument on PUBACK, with the error when given up on (or at close). Never written to disk.
   */
  settle?: (err?: Error) => void;
}

export interface OutboxSettings {
  maxInFlight: number;
  highWaterMark: number;
  maxPublishAttempts: number;
}

export interface OutboxListener {
  acked(message: OutgoingMessage): void;
  /** `retrying` false means the outbox gave up on the message. */
  failed(message: OutgoingMessage, err: Error, retrying: boolean): void;
}

/**
 * The queue between the batchers and MQTT.js. It hands at most `maxInFlight` QoS 1 publishes to
 * the client at a time and keeps the rest itself, so MQTT.js's own store (which it replays one
 * message per round trip after a reconnect) stays small, and the backlog is bounded: above
 * `highWaterMark` queued messages the publisher reports `writable = false` and callers pause their
 * input until the queue is down to half of it. Messages are never dropped for being too many.
 *
 * While the broker is away, the in-flight messages sit in MQTT.js's in-memory store and are resent
 * on reconnect; the queued ones wait here. Both are lost if the process dies (the on-disk queue
 * that closes that gap is a separate piece).
 */
export class Outbox {
  private readonly queue: OutgoingMessage[] = [];
  private readonly inFlight = new Set<OutgoingMessage>();
  /** Failed once, waiting out the retry delay before going back to the head of the queue. */
  private readonly retrying = new Set<OutgoingMessage>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private drainWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private nextOrder = 0;

  constructor(
    private readonly client: MqttClient,
    private readonly settings: OutboxSettings,
    private readonly listener: OutboxListener,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get writable(): boolean {
    return this.queue.length < this.settings.highWaterMark;
  }

  /** Messages not yet acknowledged (queued, in flight, or waiting to be retried). */
  pending(): OutgoingMessage[] {
    return [...this.queue, ...this.inFlight, ...this.retrying];
  }

  enqueue(message: OutgoingMessage): void {
    message.order ??= this.nextOrder++;
    this.queue.push(message);
    this.pump();
  }

  /** Resolves when the backlog is down to half the high-water mark (hysteresis against flapping). */
  whenWritable(): Promise<void> {
    if (this.stopped || this.queue.length <= this.lowWaterMark()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Resolves true once nothing is queued or in flight, or false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  /** No more retries or sends; releases everyone waiting. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.release(true);
  }

  private lowWaterMark(): number {
    return Math.floor(this.settings.highWaterMark / 2);
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0 && this.retrying.size === 0;
  }

  private pump(): void {
    // While a failed message waits to be retried nothing overtakes it: batches of a reader reach
    // the broker in order even across a dropped connection (MQTT.js fails the in-flight ones then).
    while (
      !this.stopped &&
      this.retrying.size === 0 &&
      this.inFlight.size < this.settings.maxInFlight &&
      this.queue.length > 0
    ) {
      this.send(this.queue.shift()!);
    }
    this.release(false);
  }

  private send(message: OutgoingMessage): void {
    this.inFlight.add(message);
    message.attempts++;
    // While disconnected, MQTT.js stores the packet and sends it after the reconnect; the
    // callback fires on PUBACK either way.
    this.client.publish(message.topic, message.payload, { qos: 1 }, (err) => this.onDone(message, err));
  }

  private onDone(message: OutgoingMessage, err: Error | null | undefined): void {
    if (!this.inFlight.delete(message)) return;
    // MQTT.js passes null, not undefined, on success.
    // A publish lost with the connection is not the broker refusing it: it does not use up an attempt.
    if (err && !this.client.connected) message.attempts = Math.max(0, message.attempts - 1);
    if (!err) {
      this.listener.acked(message);
    } else if (!this.stopped && message.attempts < this.settings.maxPublishAttempts) {
      this.listener.failed(message, err, true);
      this.retrying.add(message);
      const timer = setTimeout(
        () => {
          this.retryTimers.delete(timer);
          this.retrying.delete(message);
          this.requeueInOrder(message);
          this.pump();
        },
        250 * 2 ** Math.max(0, message.attempts - 1),
      );
      this.retryTimers.add(timer);
    } else {
      this.listener.failed(message, err, false);
    }
    this.pump();
  }

  /** Back into the queue before every message that was enqueued after it. */
  private requeueInOrder(message: OutgoingMessage): void {
    const order = message.order ?? 0;
    const at = this.queue.findIndex((queued) => (queued.order ?? 0) > order);
    if (at < 0) this.queue.push(message);
    else this.queue.splice(at, 0, message);
  }

  private release(all: boolean): void {
    if (this.drainWaiters.length > 0 && (all || this.queue.length <= this.lowWaterMark())) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.idleWaiters.length > 0 && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
