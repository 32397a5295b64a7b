import type { Clock } from '../../../runtime/clock.js';
import { createLogger, type Logger } from '../../../runtime/logger.js';
import {
  createPublisher,
  publisherOptionsOf,
  type PublisherCloseResult,
  type PublisherStats,
} from '../../publish/index.js';
import type { LlrpClientStats, OpenTransport, Timers } from '../client/index.js';
import { clientOptionsOf, parseLlrpAdapterOptions, type LlrpAdapterOptionsInput } from './options.js';
import { ReaderLink, type ReaderLinkStats } from './reader-link.js';

export interface LlrpAdapterDeps {
  logger?: Logger;
  clock?: Clock;
  timers?: Timers;
  random?: () => number;
  openTransport?: OpenTransport;
}

export interface LlrpAdapterStats {
  readers: Array<LlrpClientStats & ReaderLinkStats>;
  publisher: PublisherStats;
}

/** A running LLRP adapter (see startLlrpAdapter). */
export interface LlrpAdapter {
  readonly bootId: string;
  stats(): LlrpAdapterStats;
  /** Stop every reader politely (STOP_ROSPEC, CLOSE_CONNECTION), flush, publish offline. Idempotent. */
  stop(): Promise<PublisherCloseResult>;
}

/**
 * Run the LLRP adapter in this process: one shared publisher and one client per reader. Returns at
 * once; readers connect (and reconnect) in the background. Options are checked first: a bad one
 * throws a ConfigError naming it.
 */
export function startLlrpAdapter(options: LlrpAdapterOptionsInput, deps: LlrpAdapterDeps = {}): LlrpAdapter {
  const parsed = parseLlrpAdapterOptions(options);
  const logger = deps.logger ?? createLogger('adapter-llrp', { site: parsed.site });
  const publisher = createPublisher(publisherOptionsOf('llrp', parsed), {
    logger: logger.child({ component: 'publisher' }),
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  const links = parsed.readers.map(
    (reader) =>
      new ReaderLink(reader.readerId, clientOptionsOf(parsed, reader), publisher, logger, {
        ...(deps.clock === undefined ? {} : { clock: deps.clock }),
        ...(deps.timers === undefined ? {} : { timers: deps.timers }),
        ...(deps.random === undefined ? {} : { random: deps.random }),
        ...(deps.openTransport === undefined ? {} : { openTransport: deps.openTransport }),
      }),
  );
  for (const link of links) link.start();
  logger.info(
    {
      bootId: publisher.bootId,
      readers: parsed.readers.map((r) => `${r.readerId}=${r.host}:${r.port}`),
      mqttUrl: parsed.mqttUrl,
    },
    'llrp adapter started',
  );

  let stopping: Promise<PublisherCloseResult> | undefined;
  const stop = async (): Promise<PublisherCloseResult> => {
    // Readers first: the last reports (flushed by STOP_ROSPEC) reach the publisher before its flush.
    await Promise.all(links.map((link) => link.stop()));
    const result = await publisher.close();
    logger.info({ ...result }, 'llrp adapter stopped');
    return result;
  };
  return {
    bootId: publisher.bootId,
    stats: () => ({
      readers: links.map((link) => ({ ...link.client.stats(), ...link.stats() })),
      publisher: publisher.stats(),
    }),
    stop: () => (stopping ??= stop()),
  };
}
