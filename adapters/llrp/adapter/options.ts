import { z } from 'zod';
import { AdapterPublisherSettings } from '../../publish/options.js';
import { ConfigError } from '../../../runtime/errors.js';
import { Identifier, toSchemaError } from '../../../schemas/index.js';
import { ConnectionSettings, RoSpecSettings, type LlrpClientOptionsInput } from '../client/options.js';

/** One reader: where it listens and the id its reads are published under. */
export const LlrpReaderEntry = z.object({
  host: z.string().min(1),
  port: z.int().min(1).max(65_535).default(5084),
  readerId: Identifier,
});
export type LlrpReaderEntry = z.infer<typeof LlrpReaderEntry>;

/**
 * Everything `startLlrpAdapter` and `bondtrack adapter llrp` take: the readers, one ROSpec and
 * connection setting for all of them, and the shared publisher's settings (same names as the
 * other adapters, adapters/publish/options.ts).
 */
export const LlrpAdapterOptions = RoSpecSettings.extend(ConnectionSettings.shape)
  .extend(AdapterPublisherSettings.shape)
  .extend({
    readers: z.array(LlrpReaderEntry).min(1, { error: 'needs at least one reader' }),
  })
  .superRefine((options, ctx) => {
    const addresses = new Set<string>();
    const ids = new Set<string>();
    options.readers.forEach((reader, i) => {
      const address = `${reader.host}:${reader.port}`;
      if (addresses.has(address))
        ctx.addIssue({ code: 'custom', path: ['readers', i], message: `reader ${address} listed twice` });
      if (ids.has(reader.readerId))
        ctx.addIssue({
          code: 'custom',
          path: ['readers', i, 'readerId'],
          message: `reader id ${reader.readerId} listed twice`,
        });
      addresses.add(address);
      ids.add(reader.readerId);
    });
  });
export type LlrpAdapterOptions = z.infer<typeof LlrpAdapterOptions>;
export type LlrpAdapterOptionsInput = z.input<typeof LlrpAdapterOptions>;

export function parseLlrpAdapterOptions(input: LlrpAdapterOptionsInput): LlrpAdapterOptions {
  const result = LlrpAdapterOptions.safeParse(input);
  if (!result.success) throw new ConfigError(toSchemaError('llrp adapter options', result.error).message);
  if (result.data.searchMode !== undefined && !result.data.impinjExtensions)
    throw new ConfigError('llrp adapter options: searchMode is an Impinj extension, set impinjExtensions');
  return result.data;
}

const CLIENT_KEYS = [...Object.keys(RoSpecSettings.shape), ...Object.keys(ConnectionSettings.shape)] as Array<
  keyof LlrpAdapterOptions
>;

/** The client options of one reader: the adapter-wide ROSpec and connection settings. */
export function clientOptionsOf(
  options: LlrpAdapterOptions,
  reader: LlrpReaderEntry,
): LlrpClientOptionsInput {
  const out: Record<string, unknown> = { host: reader.host, port: reader.port, readerId: reader.readerId };
  for (const key of CLIENT_KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out as LlrpClientOptionsInput;
}
