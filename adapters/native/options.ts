import { z } from 'zod';
import { DEFAULT_MQTT_URL } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';
import { Identifier, toSchemaError } from '../../schemas/index.js';
import { PayloadFormatName } from './protocol/payload-format.js';

const MqttUrl = z.url({ protocol: /^(mqtts?|wss?|tcp)$/, error: 'must be a URL such as mqtt://host:1883' });

/** A reader that pushes its own payloads, and how they reach us. */
export const NativeReaderOptions = z.object({
  readerId: Identifier,
  format: PayloadFormatName,
  /**
   * MQTT topic filters the reader publishes to (on `sourceMqttUrl`), e.g. the Impinj `eventTopic`
   * or Zebra's `…/d-evt`. Empty: the reader posts over HTTP only.
   */
  topics: z.array(z.string().min(1)).default([]),
});
export type NativeReaderOptions = z.infer<typeof NativeReaderOptions>;

/** Everything `startNativeAdapter` and `bondtrack adapter native` take. */
export const NativeAdapterOptions = z
  .object({
    site: Identifier,
    /** Where ReadBatches go. */
    mqttUrl: MqttUrl.default(DEFAULT_MQTT_URL),
    /** Where the readers publish their payloads; defaults to `mqttUrl`. */
    sourceMqttUrl: MqttUrl.optional(),
    readers: z.array(NativeReaderOptions).min(1, { error: 'needs at least one reader' }),
    /**
     * HTTP endpoint: POST /readers/{readerId} with one JSON body, NDJSON, or a streaming NDJSON
     * (chunked) body. Loopback by default: readers on the network need an explicit host.
     */
    httpHost: z.string().min(1).default('127.0.0.1'),
    /** Unset: no HTTP endpoint. 0: any free port (see `httpPort()` on the running adapter). */
    httpPort: z.int().min(0).max(65_535).optional(),
    /** Bearer token every POST must carry (RFC 6750); unset: none. CLI: --token-file or BONDTRACK_HTTP_TOKEN(_FILE). */
    httpToken: z.string().min(1).optional(),
    /** Longest JSON document accepted on HTTP (default 1 MiB); larger is refused as BT_NATIVE_PAYLOAD_TOO_LARGE. */
    maxDocumentBytes: z.int().min(1024).max(268_435_456).default(1_048_576),
    batchSize: z.int().min(1).max(10_000).default(500),
    lingerMs: z.int().min(0).max(60_000).default(100),
    closeTimeoutMs: z.int().min(0).max(600_000).default(5_000),
    /**
     * Batches formed but not yet sent above which input stops (HTTP bodies are no longer read,
     * MQTT PUBACKs are held); the publisher's default (256) when unset.
     */
    highWaterMark: z.int().min(1).max(1_000_000).optional(),
    queueDir: z.string().min(1).optional(),
    queueMaxBytes: z.int().min(4096).optional(),
    queueFullPolicy: z.enum(['block', 'drop-oldest']).optional(),
    /** Republish reader status with per-antenna read rates this often (ms); 0 = off. */
    healthIntervalMs: z.int().min(0).max(3_600_000).default(0),
  })
  .superRefine((options, ctx) => {
    const seen = new Set<string>();
    options.readers.forEach((reader, i) => {
      if (seen.has(reader.readerId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['readers', i, 'readerId'],
          message: `reader ${reader.readerId} listed twice`,
        });
      }
      seen.add(reader.readerId);
    });
    if (options.httpPort === undefined && options.readers.every((r) => r.topics.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['httpPort'],
        message: 'no input: give an HTTP port or MQTT topics per reader',
      });
    }
  });
export type NativeAdapterOptions = z.infer<typeof NativeAdapterOptions>;
export type NativeAdapterOptionsInput = z.input<typeof NativeAdapterOptions>;

export function parseNativeAdapterOptions(input: NativeAdapterOptionsInput): NativeAdapterOptions {
  const result = NativeAdapterOptions.safeParse(input);
  if (!result.success) throw new ConfigError(toSchemaError('native adapter options', result.error).message);
  return result.data;
}
