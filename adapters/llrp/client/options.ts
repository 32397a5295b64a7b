import { z } from 'zod';
import { ConfigError } from '../../../runtime/errors.js';
import { toSchemaError } from '../../../schemas/index.js';

/**
 * Impinj InventorySearchMode (custom parameter subtype 23): how tags are asked to flip between the
 * Gen2 A/B flags. `single-target` reads each tag once per session persistence, `dual-target` reads
 * tags again and again (what a portal needs to see direction).
 */
export const SEARCH_MODES = {
  'reader-selected': 0,
  'single-target': 1,
  'dual-target': 2,
  'single-target-with-suppression': 3,
  'single-target-reset': 5,
  'dual-target-with-b-to-a-select': 6,
} as const;
export type SearchMode = keyof typeof SEARCH_MODES;

/**
 * What the client asks the reader to do once connected: the ROSpec it adds (spec §10.2) and how
 * reads are reported. Omitted RF settings are left to the reader: readers reject hop tables and
 * power indexes their regulatory table does not have (reference §6 pitfall 9).
 */
export const RoSpecSettings = z.object({
  /** ROSpecID of the spec the client adds (≠ 0). Default 1. */
  rospecId: z.int().min(1).max(0xffff_ffff).default(1),
  /** Antenna ports to inventory; `[0]` (default) means every antenna (spec §10.2.2 AntennaIDs). */
  antennas: z.array(z.int().min(0).max(0xffff)).min(1).default([0]),
  /** Report every N tags (ROReportSpec.N); 0 = no tag-count trigger. Default 0. */
  reportEveryNTags: z.int().min(0).max(0xffff).default(0),
  /**
   * Report every T ms: the AISpec stops after T ms (AISpecStopTrigger Duration) and the report
   * trigger is Upon_N_Tags_Or_End_Of_AISpec; 0 = no time trigger. Default 250.
   */
  reportEveryMs: z.int().min(0).max(0xffff_ffff).default(250),
  /** Gen2 session 0-3 (C1G2SingulationControl.Session); unset = reader default. */
  session: z.int().min(0).max(3).optional(),
  /** Expected tag population (C1G2SingulationControl.TagPopulation). Default 32. */
  tagPopulation: z.int().min(1).max(0xffff).default(32),
  /** Impinj InventorySearchMode; needs `impinjExtensions`. Unset = reader default. */
  searchMode: z.enum(Object.keys(SEARCH_MODES) as [SearchMode, ...SearchMode[]]).optional(),
  /** Index into the reader's TransmitPowerLevelTable (RFTransmitter.TransmitPower); unset = default. */
  txPowerIndex: z.int().min(1).max(0xffff).optional(),
  /** RFTransmitter HopTableID and ChannelIndex, sent only with `txPowerIndex`. Defaults 1 and 1. */
  hopTableId: z.int().min(0).max(0xffff).default(1),
  channelIndex: z.int().min(0).max(0xffff).default(1),
  /** Send IMPINJ_ENABLE_EXTENSIONS and ask for ImpinjPeakRSSI (centi-dBm). Default false. */
  impinjExtensions: z.boolean().default(false),
});
export type RoSpecSettings = z.infer<typeof RoSpecSettings>;

/** Connection timings. Defaults follow LTK (10 s to connect) and Fosstrak (keepalive 10 s, 3 missed). */
export const ConnectionSettings = z.object({
  /** TCP connect plus the reader's READER_EVENT_NOTIFICATION. Default 10 000 ms. */
  connectTimeoutMs: z.int().min(10).max(600_000).default(10_000),
  /** How long a request waits for its response. Default 10 000 ms. */
  responseTimeoutMs: z.int().min(10).max(600_000).default(10_000),
  /** KEEPALIVE period asked of the reader (KeepaliveSpec, ms); 0 = none. Default 10 000. */
  keepaliveMs: z.int().min(0).max(0xffff_ffff).default(10_000),
  /** Drop and reconnect after this many keepalive periods without any byte. Default 3. */
  keepaliveMissFactor: z.int().min(2).max(100).default(3),
  /** Reconnect backoff: doubles from the first delay up to the max, jittered. */
  reconnectInitialMs: z.int().min(1).max(600_000).default(500),
  reconnectMaxMs: z.int().min(1).max(3_600_000).default(30_000),
  /** How long close() waits for CLOSE_CONNECTION_RESPONSE before ending the socket. Default 2000. */
  closeTimeoutMs: z.int().min(0).max(60_000).default(2_000),
  /** Largest message accepted from the reader (framing guard). Default 1 MiB, as LTK-C's maximum. */
  maxMessageBytes: z
    .int()
    .min(1024)
    .max(64 * 1_048_576)
    .default(1_048_576),
});
export type ConnectionSettings = z.infer<typeof ConnectionSettings>;

export const LlrpClientOptions = RoSpecSettings.extend(ConnectionSettings.shape).extend({
  host: z.string().min(1),
  /** LLRP port; 5084 is IANA's (spec §18.1). */
  port: z.int().min(1).max(65_535).default(5084),
  /** Reader id used in errors and logs. Default `host:port`. */
  readerId: z.string().min(1).optional(),
});
export type LlrpClientOptions = z.infer<typeof LlrpClientOptions>;
export type LlrpClientOptionsInput = z.input<typeof LlrpClientOptions>;

export function parseLlrpClientOptions(input: LlrpClientOptionsInput): LlrpClientOptions {
  const result = LlrpClientOptions.safeParse(input);
  if (!result.success) throw new ConfigError(toSchemaError('llrp client options', result.error).message);
  const options = result.data;
  if (options.reconnectMaxMs < options.reconnectInitialMs)
    throw new ConfigError('llrp client options: reconnectMaxMs must be ≥ reconnectInitialMs');
  if (options.searchMode !== undefined && !options.impinjExtensions)
    throw new ConfigError('llrp client options: searchMode is an Impinj extension, set impinjExtensions');
  return options;
}
