import { connectAsync, type MqttClient } from 'mqtt';
import type { ReadBatch, TagRead } from '../../schemas/index.js';
import type { LlrpReaderEmulator } from '../../simulators/llrp/index.js';
import { emitSpeedwayConnectPost } from '../../simulators/formats/payload-emitters.js';

/** The topic a simulated reader publishes its Speedway Connect payloads to. */
export function readerTopic(readerId: string): string {
  return `fault/readers/${readerId}/tag-reads`;
}

export interface FloodProgress {
  /** Payloads handed to the MQTT client so far. */
  published: number;
  /** Reads in them. */
  reads: number;
  /** Newest reader timestamp published so far (µs). */
  newestUs: number;
}

export interface Flood {
  /** Added to every recorded read time: the flood replays the recording as if it were happening now. */
  readonly shiftUs: number;
  progress(): FloodProgress;
  /** Resolves once every payload was published and acknowledged (PUBACK) by the broker. */
  done: Promise<void>;
}

/** How the simulated readers hand their reads over: MQTT payloads, or LLRP reader emulators. */
export interface FloodTarget {
  /** Hand one batch of a reader over; resolves once it is acknowledged (if the transport does). */
  deliver(readerId: string, reads: TagRead[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Readers that push Speedway Connect JSON over MQTT (QoS 1) to the broker the native adapter
 * subscribes to. Like a real reader with a persistent session, what the broker has not
 * acknowledged is resent.
 */
export async function mqttReaders(sourceUrl: string): Promise<FloodTarget> {
  const client: MqttClient = await connectAsync(sourceUrl, {
    clientId: `fault-readers-${process.pid}-${Date.now()}`,
    clean: false,
    reconnectPeriod: 200,
  });
  return {
    deliver: (readerId, reads) =>
      client.publishAsync(readerTopic(readerId), emitSpeedwayConnectPost(reads, readerId), { qos: 1 }),
    close: () => client.endAsync(),
  };
}

/** Fixed LLRP readers (simulators/llrp): each read goes into its reader's field, reported while inventorying. */
export function llrpReaders(emulators: ReadonlyMap<string, LlrpReaderEmulator>): FloodTarget {
  return {
    deliver: (readerId, reads) => {
      const reader = emulators.get(readerId);
      if (reader === undefined) throw new Error(`no LLRP emulator for ${readerId}`);
      reader.inject(reads);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

/**
 * The site's readers replaying the simulator's recording in real time: shifted to start now, each
 * batch handed over when the wall clock reaches its newest read, as a reader would (the pipeline
 * checks reader clocks against the adapter's, docs/pipeline.md).
 */
export function startFlood(target: FloodTarget, batches: readonly ReadBatch[]): Flood {
  const firstUs = Math.min(...batches.flatMap((b) => b.reads.map((r) => r.seenAtUs)));
  const shiftUs = Date.now() * 1000 - firstUs;
  const progress: FloodProgress = { published: 0, reads: 0, newestUs: 0 };
  const run = async (): Promise<void> => {
    const acked: Array<Promise<unknown>> = [];
    for (const batch of batches) {
      const reads = batch.reads.map((r) => ({ ...r, seenAtUs: r.seenAtUs + shiftUs }));
      const newestUs = Math.max(...reads.map((r) => r.seenAtUs));
      // Pacing, not waiting for a condition: a reader reports a read once it has happened.
      const dueMs = newestUs / 1000 - Date.now();
      if (dueMs > 0) await new Promise((resolve) => setTimeout(resolve, dueMs));
      acked.push(target.deliver(batch.readerId, reads));
      progress.published++;
      progress.reads += reads.length;
      progress.newestUs = Math.max(progress.newestUs, newestUs);
    }
    await Promise.all(acked);
    await target.close();
  };
  return { shiftUs, progress: () => ({ ...progress }), done: run() };
}
