import { ConfigError } from '../runtime/errors.js';
import { GEN2_SESSIONS, type Gen2Session } from './profiles.js';

/** A time a reader is down: it reads nothing and powers no tag in [fromUs, toUs). */
export interface ReaderOutage {
  fromUs: number;
  toUs: number;
}

/**
 * How one simulated reader misbehaves or is set up, beyond the site's RF. Every field is optional;
 * the truth records the skew (READER_CLOCK_SKEW at the start) and each outage (READER_DOWN/UP).
 */
export interface ReaderBehaviour {
  /**
   * The reader's clock runs this far ahead of true time (negative: behind): every `seenAtUs` it
   * reports is true time + skew. Whole ms, like the rest of virtual time.
   */
  clockSkewUs?: number | undefined;
  /** Intervals, in true time, in which the reader is down. */
  outages?: readonly ReaderOutage[] | undefined;
  /** Its Gen2 session; default: the profile's. */
  session?: Gen2Session | undefined;
}

/** Check a run's reader settings against the site's readers; throws ConfigError on the first fault. */
export function validateReaderBehaviours(
  behaviours: Readonly<Record<string, ReaderBehaviour>>,
  readerIds: readonly string[],
): void {
  const known = new Set(readerIds);
  for (const [readerId, b] of Object.entries(behaviours)) {
    if (!known.has(readerId))
      throw new ConfigError(`reader "${readerId}" is not in the site (readers: ${readerIds.join(', ')})`);
    if (b.clockSkewUs !== undefined && (!Number.isInteger(b.clockSkewUs) || b.clockSkewUs % 1000 !== 0))
      throw new ConfigError(`clock skew of ${readerId} must be whole milliseconds, got ${b.clockSkewUs} µs`);
    if (b.session !== undefined && !GEN2_SESSIONS.includes(b.session))
      throw new ConfigError(`session of ${readerId} must be one of ${GEN2_SESSIONS.join(', ')}`);
    const outages = [...(b.outages ?? [])].sort((x, y) => x.fromUs - y.fromUs);
    for (let i = 0; i < outages.length; i++) {
      const o = outages[i]!;
      if (!(o.toUs > o.fromUs))
        throw new ConfigError(`outage of ${readerId} must end after it starts: ${o.fromUs}-${o.toUs}`);
      if (i > 0 && o.fromUs < outages[i - 1]!.toUs)
        throw new ConfigError(`outages of ${readerId} overlap at ${o.fromUs}`);
    }
  }
}

/**
 * Reader settings from command-line specs: `READER=MS` clock skews (ms, may be negative) and
 * `READER=FROM-TO` outages (seconds after `startUs`), merged per reader with one session for all.
 */
export function readerBehavioursFromSpecs(
  specs: { clockSkews?: readonly string[]; outages?: readonly string[] },
  startUs: number,
): Record<string, ReaderBehaviour> {
  const out: Record<string, ReaderBehaviour> = {};
  const split = (spec: string, what: string): [string, string] => {
    const at = spec.lastIndexOf('=');
    if (at <= 0) throw new ConfigError(`${what} must look like READER=…, got "${spec}"`);
    return [spec.slice(0, at), spec.slice(at + 1)];
  };
  for (const spec of specs.clockSkews ?? []) {
    const [readerId, value] = split(spec, 'clock skew');
    const ms = Number(value);
    if (value.trim() === '' || !Number.isInteger(ms))
      throw new ConfigError(`clock skew must be READER=MILLISECONDS (an integer), got "${spec}"`);
    (out[readerId] ??= {}).clockSkewUs = ms * 1000;
  }
  for (const spec of specs.outages ?? []) {
    const [readerId, value] = split(spec, 'outage');
    const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value);
    if (!match)
      throw new ConfigError(`outage must be READER=FROM-TO in seconds after the start, got "${spec}"`);
    const toUs = (sec: string): number => startUs + Math.round(Number(sec) * 1000) * 1000;
    const b = (out[readerId] ??= {});
    b.outages = [...(b.outages ?? []), { fromUs: toUs(match[1]!), toUs: toUs(match[2]!) }];
  }
  return out;
}
