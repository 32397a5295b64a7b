import mqtt, { type MqttClient } from 'mqtt';
import { mqttTopics } from '../../schemas/index.js';
import type { SyntheticSite } from './synthetic-site.js';
import { toError } from './to-error.js';

export interface LoadOptions {
  mqttUrl: string;
  readers: number;
  /**
   * Reads per second per reader; `'max'` (capacity mode): every reader in turn publishes a full batch
   * as soon as `admit` and the in-flight cap allow, for `durationSec` of wall time.
   */
  ratePerReader: number | 'max';
  durationSec: number;
  /** Reads per ReadBatch, as a reader reports them. */
  batchSize: number;
  /** QoS 1 publishes awaiting PUBACK, over all connections. */
  maxInFlight: number;
  /** MQTT connections the readers are spread over. */
  connections: number;
  /** Pallets moved to another zone per second (keeps locate deciding zone events). */
  movesPerSec: number;
  /** Payloads kept for the raw MQTT baseline. */
  keepPayloads: number;
  /**
   * Capacity mode only: resolves when one more batch may be published, given the batches published
   * so far (acknowledged or in flight). The bench bounds the batches the bridge has not yet taken,
   * so that the broker never has to drop: the loop is closed on the bridge, not on Mosquitto.
   */
  admit?: (batchesIssued: number) => Promise<void>;
  onProgress?: (readsSent: number, batchesSent: number) => void;
}

export interface LoadResult {
  readsSent: number;
  batchesSent: number;
  startedAtMs: number;
  /** When the last PUBACK arrived. */
  endedAtMs: number;
  /** A sample of the payloads sent, for the raw MQTT baseline. */
  payloads: Buffer[];
}

const TICK_MS = 10;

/**
 * Publish ReadBatches straight to MQTT (QoS 1) at a steady rate per reader, at most `maxInFlight`
 * unacknowledged. When the broker cannot keep up, the generator falls behind its schedule rather
 * than queueing without bound: the achieved rate is then what the report shows. (Mosquitto
 * acknowledges before the bridge takes a message, so a slow bridge does not slow this loop down; in
 * capacity mode `admit` closes the loop on the bridge instead.)
 */
export async function generateLoad(site: SyntheticSite, options: LoadOptions): Promise<LoadResult> {
  const clients: MqttClient[] = [];
  try {
    for (let i = 0; i < options.connections; i++)
      clients.push(await mqtt.connectAsync(options.mqttUrl, { clean: true, reconnectPeriod: 1_000 }));
    const result = await publishLoad(site, options, clients);
    await Promise.all(clients.map((c) => c.endAsync()));
    return result;
  } catch (err) {
    // A failed load (a publish refused, the backlog gate unable to read the raw topic) leaves no
    // connection behind, reconnecting for ever and keeping the process alive.
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    throw err;
  }
}

async function publishLoad(
  site: SyntheticSite,
  options: LoadOptions,
  clients: MqttClient[],
): Promise<LoadResult> {
  const payloads: Buffer[] = [];
  let inFlight = 0;
  let batchesIssued = 0;
  let readsSent = 0;
  let batchesSent = 0;
  let failure: Error | undefined;
  // Set from publish callbacks; checked through a function so that TypeScript does not narrow it away.
  const throwIfFailed = () => {
    if (failure) throw failure;
  };
  const waiters: Array<() => void> = [];
  const slot = async () => {
    while (inFlight >= options.maxInFlight) await new Promise<void>((resolve) => waiters.push(resolve));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    waiters.shift()?.();
  };
  const publish = async (reader: number, size: number, spanUs: number) => {
    await slot();
    batchesIssued++;
    const batch = site.batch(reader, size, Date.now() * 1000, spanUs);
    const payload = Buffer.from(JSON.stringify(batch));
    if (payloads.length < options.keepPayloads) payloads.push(payload);
    const client = clients[reader % clients.length]!;
    client
      .publishAsync(mqttTopics.reads(site.layout.site, batch.readerId), payload, { qos: 1 })
      .then(
        () => {
          readsSent += size;
          batchesSent++;
          options.onProgress?.(readsSent, batchesSent);
        },
        (err: unknown) => (failure ??= toError(err)),
      )
      .finally(release);
  };

  const startedAtMs = Date.now();
  let lastMoveMs = startedAtMs;
  const movePallets = (now: number) => {
    if (now - lastMoveMs < 1000) return;
    site.movePallets(Math.round((options.movesPerSec * (now - lastMoveMs)) / 1000));
    lastMoveMs = now;
  };
  const rate = options.ratePerReader;
  if (rate === 'max') {
    // A reader's batch spans the time since its previous one, as a real reader's report would.
    const lastUs = new Array<number>(options.readers).fill(startedAtMs * 1000 - 100_000);
    for (let r = 0; Date.now() - startedAtMs < options.durationSec * 1000; r = (r + 1) % options.readers) {
      throwIfFailed();
      movePallets(Date.now());
      await options.admit?.(batchesIssued);
      const nowUs = Date.now() * 1000;
      await publish(r, options.batchSize, Math.min(1_000_000, Math.max(1_000, nowUs - lastUs[r]!)));
      lastUs[r] = nowUs;
    }
  } else {
    const totalPerReader = Math.round(rate * options.durationSec);
    const sentPerReader = new Array<number>(options.readers).fill(0);
    const spanUs = Math.round((options.batchSize / rate) * 1_000_000);
    for (;;) {
      throwIfFailed();
      const now = Date.now();
      const elapsedSec = Math.min((now - startedAtMs) / 1000, options.durationSec);
      movePallets(now);
      let published = false;
      for (let r = 0; r < options.readers; r++) {
        const due = Math.min(totalPerReader, Math.floor(elapsedSec * rate));
        // Full batches as they fall due; the last, partial one at the end of the run.
        while (
          due - sentPerReader[r]! >= options.batchSize ||
          (elapsedSec >= options.durationSec && due > sentPerReader[r]!)
        ) {
          const size = Math.min(options.batchSize, due - sentPerReader[r]!);
          sentPerReader[r]! += size;
          await publish(r, size, spanUs);
          published = true;
        }
      }
      if (elapsedSec >= options.durationSec && sentPerReader.every((n) => n >= totalPerReader)) break;
      if (!published) await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  }
  while (inFlight > 0) await new Promise<void>((resolve) => waiters.push(resolve));
  throwIfFailed();
  const endedAtMs = Date.now();
  return { readsSent, batchesSent, startedAtMs, endedAtMs, payloads };
}
