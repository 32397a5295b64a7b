import { ConfigError } from '../../../runtime/errors.js';
import type { SiteLayout } from '../../../schemas/index.js';

export interface ParsedAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `HOST` (port 5084) or `[IPv6]:PORT`. */
export function parseReaderAddress(text: string): ParsedAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:\s]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  if (match === null) throw new ConfigError(`reader address must be HOST:PORT, got "${text}"`);
  const port = match[2] === undefined ? 5084 : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new ConfigError(`reader address ${text}: port must be 1-65535`);
  return { host: match[1]!, port };
}

/**
 * The id of the LLRP reader at `address` in the site layout (a reader with `protocol: llrp` whose
 * `address` is the same host:port), so `--reader 10.0.0.21:5084` publishes under the id the
 * pipeline knows it by. Throws a ConfigError naming the address when the layout has no such reader.
 */
export function readerIdFromSite(site: SiteLayout, address: ParsedAddress): string {
  const wanted = `${address.host}:${address.port}`;
  const match = site.readers.find((reader) => {
    if (reader.protocol !== 'llrp') return false;
    try {
      const a = parseReaderAddress(reader.address);
      return `${a.host}:${a.port}` === wanted;
    } catch {
      return false;
    }
  });
  if (match === undefined) {
    throw new ConfigError(
      `no llrp reader at ${wanted} in site ${site.site}: give --reader-id, or add it to the layout's readers`,
    );
  }
  return match.id;
}
