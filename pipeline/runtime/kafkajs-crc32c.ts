import { Module, createRequire } from 'node:module';

/**
 * CRC-32C (Castagnoli) for kafkajs's record batches, in native code with the CPU's CRC32
 * instruction (`@node-rs/crc32`), instead of kafkajs's byte-at-a-time JavaScript table: every
 * batch a stage produces is checksummed whole (KIP-98 record batch v2, its `crc` field), and that
 * loop was 5 % of dedup's CPU in a catch-up and 8 % of the bridge's (bench profile 2026-11-28). On
 * this machine 0.17 against 2.2 ns per byte for a 20 KB batch.
 *
 * kafkajs (2.2.4, its last release) has no hook for this: its record-batch encoder takes the
 * function from `src/protocol/recordBatch/crc32C/index.js` when it is first required. Putting our
 * function in that module's place in the CommonJS cache before then swaps it; `bin/bondtrack.js`
 * does this before anything imports kafkajs. Where the native package cannot load (a platform it
 * has no build for), kafkajs keeps its own. The broker checks every batch's CRC and refuses a wrong
 * one (CORRUPT_MESSAGE), so a mistake here cannot pass unnoticed (tests/integration/pipeline/
 * kafkajs-crc32c.test.ts produces through it to the real broker).
 */

const require = createRequire(import.meta.url);

/** The module kafkajs takes its CRC-32C from. */
const KAFKAJS_CRC32C_MODULE = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');

/** kafkajs's contract for it: the checksum of the whole buffer as an unsigned 32-bit integer. */
type Crc32c = (buffer: Buffer) => number;

/** The native CRC-32C, or undefined where `@node-rs/crc32` has no build for this platform. */
export function nativeCrc32c(): Crc32c | undefined {
  try {
    const { crc32c } = require('@node-rs/crc32') as { crc32c(input: Buffer, initial?: number): number };
    return (buffer) => crc32c(buffer) >>> 0;
  } catch {
    return undefined;
  }
}

let checksums = 0;

/** Record batches kafkajs has checksummed with the native CRC-32C in this process. */
export function nativeChecksums(): number {
  return checksums;
}

/**
 * Make kafkajs checksum with the native CRC-32C. Returns whether it will: false when the native
 * package cannot load, or when kafkajs's record-batch encoder was loaded already (too late to swap;
 * it keeps its own, correct but slower).
 */
export function useNativeCrc32cInKafkajs(): boolean {
  const crc = nativeCrc32c();
  if (!crc) return false;
  const cache = require.cache;
  const existing = cache[KAFKAJS_CRC32C_MODULE];
  if (existing) return (existing.exports as { native?: boolean }).native === true;
  const mod = new Module(KAFKAJS_CRC32C_MODULE);
  mod.filename = KAFKAJS_CRC32C_MODULE;
  mod.loaded = true;
  mod.exports = Object.assign(
    (buffer: Buffer) => {
      checksums++;
      return crc(buffer);
    },
    { native: true },
  );
  cache[KAFKAJS_CRC32C_MODULE] = mod;
  return true;
}
