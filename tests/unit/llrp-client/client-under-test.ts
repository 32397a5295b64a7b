import { expect, onTestFinished } from 'vitest';
import {
  LlrpClient,
  ManualTimers,
  type LlrpClientError,
  type LlrpClientOptionsInput,
  type LlrpStatusChange,
} from '../../../adapters/llrp/client/index.js';
import type { TagReportData } from '../../../adapters/llrp/index.js';
import { ManualClock } from '../../../runtime/clock.js';
import { createLogger } from '../../../runtime/logger.js';
import { FakeReader } from './fake-reader.js';

export interface ClientUnderTest {
  client: LlrpClient;
  reader: FakeReader;
  timers: ManualTimers;
  statuses: LlrpStatusChange[];
  errors: LlrpClientError[];
  tags: TagReportData[];
  kinds(): string[];
}

/** A client wired to a FakeReader, on manual timers, with jitter pinned by `random`. */
export function clientUnderTest(
  options: Partial<LlrpClientOptionsInput> = {},
  random = () => 1,
): ClientUnderTest {
  const reader = new FakeReader();
  const timers = new ManualTimers();
  const logger = createLogger('llrp-client-unit');
  logger.level = process.env['LOG_LEVEL'] ?? 'silent';
  const client = new LlrpClient(
    {
      host: 'reader.test',
      port: 5084,
      readerId: 'unit-1',
      keepaliveMs: 1_000,
      keepaliveMissFactor: 3,
      connectTimeoutMs: 5_000,
      responseTimeoutMs: 2_000,
      reconnectInitialMs: 100,
      reconnectMaxMs: 1_600,
      closeTimeoutMs: 500,
      ...options,
    },
    { timers, random, logger, clock: new ManualClock(1_764_000_000_000_000), openTransport: reader.open },
  );
  const t: ClientUnderTest = {
    client,
    reader,
    timers,
    statuses: [],
    errors: [],
    tags: [],
    kinds: () => t.statuses.map((s) => s.kind),
  };
  client.on('status', (s) => t.statuses.push(s));
  client.on('error', (e) => t.errors.push(e));
  client.on('tags', (reports) => t.tags.push(...reports));
  onTestFinished(async () => {
    const closing = client.close();
    timers.advance(10_000); // let close() time out if the fake reader does not answer
    await closing;
  });
  return t;
}

/**
 * expect.poll with a timeout for a loaded 2-core CI machine: the fake reader is in memory, but
 * its bytes still cross event-loop turns shared with other test files.
 */
export function poll<T>(read: () => T) {
  return expect.poll(read, { timeout: 10_000, interval: 5 });
}
