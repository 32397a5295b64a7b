import type { TransformCallback } from 'node:stream';
import { ReadlineParser } from '@serialport/parser-readline';

/**
 * `@serialport/parser-readline` with a bound on line length. The stock parser keeps appending to
 * its buffer until it sees the delimiter, so a device that never sends `\n` (wrong baud rate, a
 * binary protocol on the wrong port) would grow it without limit.
 *
 * Every line longer than `maxLineBytes` comes out cut to its first `maxLineBytes + 1` bytes (the
 * client then refuses it as too long, in order with the lines around it). Once a partial line
 * passes the limit it is emitted that way at once and the rest of it, up to the next `\n`, is
 * discarded as it arrives, so memory stays bounded whatever the device sends.
 *
 * Empty lines produce nothing: a zero-length chunk is not data to a byte stream.
 *
 * Emits Buffers, not strings, so the client can tell UTF-8 from noise and keep the exact bytes of
 * a bad line in its dead letter.
 */
export class BoundedReadlineParser extends ReadlineParser {
  private readonly maxLineBytes: number;
  /** True while skipping the tail of an overlong line. */
  private discarding = false;
  /** Bytes received from the device, for the client's counters. */
  bytesIn = 0;

  constructor(maxLineBytes: number) {
    // No `encoding`: the readable side then yields Buffers.
    super({ delimiter: Buffer.from('\n'), encoding: undefined });
    this.maxLineBytes = maxLineBytes;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, cb: TransformCallback): void {
    this.bytesIn += chunk.length;
    let data = chunk;
    if (this.discarding) {
      const newline = data.indexOf(0x0a);
      if (newline === -1) {
        cb();
        return;
      }
      this.discarding = false;
      data = data.subarray(newline + 1);
    }
    super._transform(data, encoding, (err?: Error | null) => {
      if (!err && this.buffer.length > this.maxLineBytes) {
        this.push(Buffer.from(this.buffer.subarray(0, this.maxLineBytes + 1))); // a copy: the buffer goes
        this.buffer = Buffer.alloc(0);
        this.discarding = true;
      }
      cb(err);
    });
  }

  /** Every line goes through here, including the ones the stock parser splits off a chunk. */
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    const cut =
      Buffer.isBuffer(chunk) && chunk.length > this.maxLineBytes + 1
        ? chunk.subarray(0, this.maxLineBytes + 1)
        : chunk;
    return super.push(cut, encoding);
  }

  override _flush(cb: TransformCallback): void {
    // A partial line left when the port closes is still input: hand it on (it becomes a read or a
    // dead letter) rather than dropping it silently. The stock _flush pushes it even when empty.
    if (this.buffer.length > 0 && !this.discarding) this.push(this.buffer);
    this.buffer = Buffer.alloc(0);
    cb();
  }
}
