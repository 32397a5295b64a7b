/**
 * A string's UTF-8 bytes, the way the producer should get them. `Buffer.from(string)` (what kafkajs
 * does with a string value) and `join` of many JSON texts into one were ~3.7 µs per observation
 * packed on our CI VM, over a third of what dedup spends per observation: V8 writes UTF-8 a
 * character at a time, and a joined string of half a megabyte is one more large allocation and
 * copy. Our records are almost always ASCII (ids and EPCs are hex, numbers are numbers), and ASCII's
 * UTF-8 is its Latin-1: one `Buffer.byteLength` (a fast scan) tells, and a Latin-1 `write` copies the
 * string's bytes as they are. Anything else goes through a UTF-8 `write`, byte for byte what
 * `Buffer.from` gives (lone surrogates included). Measured on 2,000 observations a pack
 * (2026-11-27): 0.6–1.0 µs against 3.7 µs per observation packed.
 */
export function utf8Bytes(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const bytes = Buffer.allocUnsafe(length);
  // Every character below 0x80 is one byte in UTF-8, and any other is more: equal lengths mean ASCII.
  if (length === text.length) bytes.write(text, 0, length, 'latin1');
  else bytes.write(text, 0, length, 'utf8');
  return bytes;
}

/** `[v0,v1,…]` as UTF-8 bytes, for JSON texts `values`, written once into one buffer. */
export function jsonArrayBytes(values: readonly string[]): Buffer {
  const lengths = new Array<number>(values.length);
  let total = 2 + Math.max(0, values.length - 1); // the brackets and the commas between
  for (let i = 0; i < values.length; i++) total += lengths[i] = Buffer.byteLength(values[i]!, 'utf8');
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  bytes[at++] = 0x5b; // [
  for (let i = 0; i < values.length; i++) {
    if (i > 0) bytes[at++] = 0x2c; // ,
    const value = values[i]!;
    const length = lengths[i]!;
    at +=
      length === value.length
        ? bytes.write(value, at, length, 'latin1')
        : bytes.write(value, at, length, 'utf8');
  }
  bytes[at++] = 0x5d; // ]
  return bytes;
}
