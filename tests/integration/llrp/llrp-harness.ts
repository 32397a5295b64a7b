import { onTestFinished } from 'vitest';
import {
  LlrpClient,
  type LlrpClientError,
  type LlrpClientOptionsInput,
  type LlrpStatusChange,
} from '../../../adapters/llrp/client/index.js';
import type { ReaderEventNotificationData, TagReportData } from '../../../adapters/llrp/index.js';
import { LlrpReaderEmulator, type LlrpReaderEmulatorOptions } from '../../../simulators/llrp/index.js';
import type { TagRead } from '../../../schemas/index.js';
import { quietLogger } from '../adapters/quiet-logger.js';

/** An emulator on a free port, stopped when the test ends. */
export async function startEmulator(
  options: Partial<LlrpReaderEmulatorOptions> = {},
): Promise<LlrpReaderEmulator> {
  const emulator = new LlrpReaderEmulator({ readerId: 'emu', ...options });
  await emulator.start();
  onTestFinished(() => emulator.stop());
  return emulator;
}

/** What a client reported, for assertions. */
export interface ClientRecord {
  client: LlrpClient;
  tags: TagReportData[];
  statuses: LlrpStatusChange[];
  errors: LlrpClientError[];
  events: ReaderEventNotificationData[];
  /** EPCs received, in order. */
  epcs(): string[];
  kinds(): string[];
  /** connected / disconnected only: a loaded machine may add keepalive-missed/-restored pairs. */
  links(): string[];
}

/** A started client with fast timings, recording everything, closed when the test ends. */
export function startClient(
  emulator: LlrpReaderEmulator,
  options: Partial<LlrpClientOptionsInput> = {},
): ClientRecord {
  const client = new LlrpClient(
    {
      host: '127.0.0.1',
      port: emulator.port,
      readerId: emulator.readerId,
      reportEveryMs: 50,
      keepaliveMs: 1_000,
      reconnectInitialMs: 50,
      reconnectMaxMs: 500,
      ...options,
    },
    { logger: quietLogger('llrp-client') },
  );
  const record: ClientRecord = {
    client,
    tags: [],
    statuses: [],
    errors: [],
    events: [],
    epcs: () => record.tags.map((t) => t.epc),
    kinds: () => record.statuses.map((s) => s.kind),
    links: () => record.kinds().filter((k) => k === 'connected' || k === 'disconnected'),
  };
  client.on('tags', (reports) => record.tags.push(...reports));
  client.on('status', (change) => record.statuses.push(change));
  client.on('error', (error) => record.errors.push(error));
  client.on('reader-event', (data) => record.events.push(data));
  client.start();
  onTestFinished(() => client.close());
  return record;
}

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0) * 1000;

/** Distinct reads with EPCs that encode their index (so order, loss and duplicates show). */
export function numberedReads(count: number, offset = 0): TagRead[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    return {
      epc: `E28011700000020${i.toString(16).toUpperCase().padStart(9, '0')}`,
      antenna: 1 + (i % 4),
      rssiDbm: -45 - (i % 20),
      seenAtUs: T0 + i * 1_000,
      count: 1,
    };
  });
}
