import { z } from 'zod';
import { AdapterPublisherSettings } from '../publish/options.js';
import { ConfigError } from '../../runtime/errors.js';
import { Identifier, toSchemaError } from '../../schemas/index.js';
import { DEFAULT_MAX_LINE_BYTES } from './protocol/jsonl.js';
import { LineFormatSettings } from './protocol/line-format.js';

/** Line settings of a port. The defaults suit the USB-serial readers we know (115200 8N1, no flow control). */
export const SerialLineSettings = z.object({
  baudRate: z.int().min(50).max(4_000_000).default(115_200),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
  /**
   * Hardware flow control. With it, pausing the port under backpressure makes the reader itself
   * wait; without it the reader keeps sending and the kernel's tty buffer is all that absorbs it.
   */
  rtscts: z.boolean().default(false),
  /** Refuse (and dead-letter) lines longer than this many bytes. */
  maxLineBytes: z.int().min(256).max(16_777_216).default(DEFAULT_MAX_LINE_BYTES),
  /** Reopen backoff after the device disappears: doubles from the first delay up to the max. */
  reopenInitialDelayMs: z.int().min(10).max(60_000).default(250),
  reopenMaxDelayMs: z.int().min(10).max(600_000).default(5_000),
  /**
   * How often an open port checks that its device path still leads to the same device. serialport
   * does not always notice an unplug: on a 0-byte read its Linux binding retries forever instead
   * of reporting it (serialport/bindings-cpp#162), so the port would stay "open" on a dead device.
   */
  presenceCheckMs: z.int().min(50).max(60_000).default(1_000),
  /** The line format and its settings (protocol/line-format.ts); default jsonl. */
  ...LineFormatSettings.shape,
});
export type SerialLineSettings = z.infer<typeof SerialLineSettings>;

/**
 * Per-port overrides of the adapter-wide line settings. Not `SerialLineSettings.partial()`: in
 * zod 4 an optional field keeps its default, so every port would silently get 115200 back.
 */
const line = SerialLineSettings.shape;
export const SerialLineOverrides = z.object({
  baudRate: line.baudRate.unwrap().optional(),
  dataBits: line.dataBits.unwrap().optional(),
  stopBits: line.stopBits.unwrap().optional(),
  parity: line.parity.unwrap().optional(),
  rtscts: line.rtscts.unwrap().optional(),
  maxLineBytes: line.maxLineBytes.unwrap().optional(),
  reopenInitialDelayMs: line.reopenInitialDelayMs.unwrap().optional(),
  reopenMaxDelayMs: line.reopenMaxDelayMs.unwrap().optional(),
  presenceCheckMs: line.presenceCheckMs.unwrap().optional(),
  format: line.format.unwrap().optional(),
  timeZone: line.timeZone.unwrap().optional(),
  customFormat: line.customFormat,
  csvColumns: line.csvColumns,
  csvDelimiter: line.csvDelimiter,
  antennaBase: line.antennaBase,
});
// Fails to compile when a line setting is added above but not here.
const _everySettingOverridable: Record<keyof SerialLineSettings, unknown> = SerialLineOverrides.shape;

/** One port and the reader behind it. */
export const SerialReaderOptions = SerialLineSettings.extend({
  /** Device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/… (stable across re-plugging). */
  path: z.string().min(1),
  readerId: Identifier,
});
export type SerialReaderOptions = z.infer<typeof SerialReaderOptions>;
export type SerialReaderOptionsInput = z.input<typeof SerialReaderOptions>;

/** Everything `startSerialAdapter` and `bondtrack adapter serial` take. */
export const SerialAdapterOptions = SerialLineSettings.extend(AdapterPublisherSettings.shape)
  .extend({
    /** The ports this process serves; line settings default to the top-level ones. */
    ports: z
      .array(SerialLineOverrides.extend({ path: z.string().min(1), readerId: Identifier }))
      .min(1, { error: 'needs at least one port' }),
  })
  .superRefine((options, ctx) => {
    const paths = new Set<string>();
    const readers = new Set<string>();
    options.ports.forEach((port, i) => {
      if (paths.has(port.path))
        ctx.addIssue({
          code: 'custom',
          path: ['ports', i, 'path'],
          message: `port ${port.path} listed twice`,
        });
      if (readers.has(port.readerId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ports', i, 'readerId'],
          message: `reader ${port.readerId} listed twice`,
        });
      }
      paths.add(port.path);
      readers.add(port.readerId);
    });
  });
export type SerialAdapterOptions = z.infer<typeof SerialAdapterOptions>;
export type SerialAdapterOptionsInput = z.input<typeof SerialAdapterOptions>;

function parseOrThrow<S extends z.ZodType>(schema: S, name: string, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(toSchemaError(name, result.error).message);
  return result.data;
}

export function parseSerialAdapterOptions(input: SerialAdapterOptionsInput): SerialAdapterOptions {
  return parseOrThrow(SerialAdapterOptions, 'serial adapter options', input);
}

export function parseSerialReaderOptions(input: SerialReaderOptionsInput): SerialReaderOptions {
  return parseOrThrow(SerialReaderOptions, 'serial reader options', input);
}

const LINE_KEYS = Object.keys(SerialLineSettings.shape) as Array<keyof SerialLineSettings>;

/** The options of each port: its own line settings over the adapter-wide ones. */
export function readerOptionsOf(options: SerialAdapterOptions): SerialReaderOptions[] {
  return options.ports.map((port) => {
    const line: Record<string, unknown> = {};
    for (const key of LINE_KEYS) {
      const value: unknown = port[key] ?? options[key];
      if (value !== undefined) line[key] = value;
    }
    return parseSerialReaderOptions({ ...line, path: port.path, readerId: port.readerId });
  });
}
