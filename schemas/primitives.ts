import { z } from 'zod';

/**
 * An EPC as upper-case hex. Gen2 EPC memory is read in 16-bit words and the PC word's length field
 * allows 1 to 31 words (EPC Gen2 v2, §6.3.2.1.2.2), so 4 to 124 hex digits in steps of 4.
 */
export const EpcHex = z
  .string()
  .regex(/^[0-9A-F]*$/, { error: 'must be upper-case hex (0-9, A-F)' })
  .refine((s) => s.length >= 4 && s.length <= 124 && s.length % 4 === 0, {
    error: 'must be 1 to 31 16-bit words (4 to 124 hex digits, a multiple of 4)',
  });
export type EpcHex = z.infer<typeof EpcHex>;

/** Identifiers that appear in MQTT topics and Kafka keys: no `/`, `+`, `#` or white space. */
export const Identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: 'must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
});

/**
 * Microseconds since the Unix epoch, UTC. Integers up to 2^53 are exact in a JS number, which covers
 * µs timestamps until the year 2255; we bound them to years 2000..2100 to catch unit mistakes (ms, s, ns).
 */
export const EpochMicros = z
  .int()
  .min(946_684_800_000_000, { error: 'must be µs since the Unix epoch (looks too small: seconds or ms?)' })
  .max(4_102_444_800_000_000, { error: 'must be µs since the Unix epoch (looks too large: ns?)' });

/** RSSI in dBm. Passive UHF tags are read between about -100 and -10 dBm. */
export const RssiDbm = z.number().min(-128).max(20);

/** Detection confidence in [0, 1]. */
export const Confidence = z.number().min(0).max(1);

/** A deterministic id: derived from the input only, so replays produce the same ids. */
export const DeterministicId = z
  .string()
  .regex(/^[0-9a-f]{32}$/, { error: 'must be 32 lower-case hex digits' });
