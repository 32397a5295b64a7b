import { decodeFrame } from './decode.js';
import { LlrpErrorCode, LlrpProtocolError } from './errors.js';
import { HEADER_BYTES } from './header.js';
import type { LlrpMessage } from './types.js';

/**
 * Default cap on one message: 1 MiB, the top of LTK-C's allowed receive buffer (`ltkc_connection.c`);
 * edgex caps at 640 KiB. A real RO_ACCESS_REPORT of a few thousand tags is far below it.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface LlrpFrameDecoderOptions {
  /**
   * Largest message accepted, header included. A header announcing more is a fatal
   * `BT_LLRP_FRAME_TOO_LARGE` as soon as its length field arrives, before anything is buffered.
   * Default DEFAULT_MAX_MESSAGE_BYTES (1 MiB); at least 10.
   */
  maxMessageBytes?: number;
}

export type LlrpDecodeResult =
  | {
      ok: true;
      message: LlrpMessage;
      /** Byte offset of the message in the stream. */
      offset: number;
      /** Its length in bytes. */
      length: number;
    }
  | { ok: false; error: LlrpProtocolError; offset: number };

/**
 * Turns TCP chunks into whole LLRP messages (spec 1.0.1 §16.1 framing: the header's length field).
 * Any split or coalescing of the stream gives the same results. Complete messages are decoded in
 * place from the chunk; only an incomplete tail is copied, into a buffer never larger than that
 * message (so never above `maxMessageBytes`). Pure: no sockets, no timers.
 */
export class LlrpFrameDecoder {
  readonly maxMessageBytes: number;
  private partial: Buffer = Buffer.alloc(0);
  private have = 0;
  /** Length of the message in `partial` once its header is complete, else 0. */
  private want = 0;
  /** Stream offset of the next byte pushed. */
  private streamOffset = 0;
  private fatalError: LlrpProtocolError | undefined;

  constructor(options: LlrpFrameDecoderOptions = {}) {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(max) || max < HEADER_BYTES || max > 0xffffffff) {
      throw new RangeError(`maxMessageBytes must be an integer in 10…4294967295, got ${max}`);
    }
    this.maxMessageBytes = max;
  }

  /** Bytes held back waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.have;
  }

  /** The fatal error that stopped this decoder, if any (it ignores input until reset()). */
  get failure(): LlrpProtocolError | undefined {
    return this.fatalError;
  }

  /** Feed one chunk; returns every message (or error) it completes, in stream order. */
  push(chunk: Buffer): LlrpDecodeResult[] {
    const out: LlrpDecodeResult[] = [];
    const base = this.streamOffset;
    this.streamOffset += chunk.length;
    if (this.fatalError !== undefined) return out;
    let off = 0;

    if (this.have > 0) {
      const frameStart = base - this.have;
      if (this.want === 0) {
        const take = Math.min(HEADER_BYTES - this.have, chunk.length);
        this.copyIn(chunk, 0, take, HEADER_BYTES);
        off = take;
        const length = this.checkLength(this.partial, 0, this.have, frameStart, out);
        if (length < 0) return out;
        if (this.have < HEADER_BYTES) return out;
        this.want = length;
      }
      const take = Math.min(this.want - this.have, chunk.length - off);
      this.copyIn(chunk, off, take, this.want);
      off += take;
      if (this.have < this.want) return out;
      out.push(this.decode(this.partial, 0, this.want, frameStart));
      this.have = 0;
      this.want = 0;
      // Do not keep a large buffer alive after one big message.
      if (this.partial.length > 64 * 1024) this.partial = Buffer.alloc(0);
    }

    while (off < chunk.length) {
      const avail = chunk.length - off;
      const length = this.checkLength(chunk, off, avail, base + off, out);
      if (length < 0) return out;
      if (avail < HEADER_BYTES || avail < length) break;
      out.push(this.decode(chunk, off, length, base + off));
      off += length;
    }
    if (off < chunk.length) {
      const rest = chunk.length - off;
      const length = rest >= HEADER_BYTES ? chunk.readUInt32BE(off + 2) : 0;
      this.copyIn(chunk, off, rest, Math.max(length, HEADER_BYTES));
      this.want = length;
    }
    return out;
  }

  /**
   * The stream ended: a partial message left over is reported as `BT_LLRP_TRUNCATED`. The decoder
   * is reset afterwards.
   */
  end(): LlrpDecodeResult[] {
    const out: LlrpDecodeResult[] = [];
    if (this.have > 0 && this.fatalError === undefined) {
      const offset = this.streamOffset - this.have;
      out.push({
        ok: false,
        offset,
        error: new LlrpProtocolError(
          LlrpErrorCode.TRUNCATED,
          `stream ended inside a message: ${this.have} of ${this.want || 'at least 10'} byte(s)`,
          { offset: this.streamOffset, fatal: true },
        ),
      });
    }
    this.reset();
    return out;
  }

  /** Forget buffered bytes and any fatal error; offsets continue from the stream position. */
  reset(): void {
    this.partial = Buffer.alloc(0);
    this.have = 0;
    this.want = 0;
    this.fatalError = undefined;
  }

  /**
   * Once 6 bytes of a header are there, its length is known: refuse < 10 or > max at once
   * (a garbage header announcing 4 GB must not make us buffer). Returns the length, 0 if not yet
   * known, or −1 after pushing a fatal error.
   */
  private checkLength(
    buf: Buffer,
    off: number,
    avail: number,
    streamOffset: number,
    out: LlrpDecodeResult[],
  ): number {
    if (avail < 6) return 0;
    const length = buf.readUInt32BE(off + 2);
    let error: LlrpProtocolError | undefined;
    if (length < HEADER_BYTES) {
      error = new LlrpProtocolError(
        LlrpErrorCode.FRAME_TOO_SHORT,
        `message length ${length} is below the 10-byte header`,
        {
          offset: streamOffset + 2,
          fatal: true,
        },
      );
    } else if (length > this.maxMessageBytes) {
      error = new LlrpProtocolError(
        LlrpErrorCode.FRAME_TOO_LARGE,
        `message length ${length} exceeds maxMessageBytes ${this.maxMessageBytes}`,
        { offset: streamOffset + 2, fatal: true },
      );
    }
    if (error === undefined) return length;
    if (avail >= HEADER_BYTES) {
      // The whole header is readable: say which message it claimed to be.
      const h = buf.readUInt16BE(off);
      error = error.rebase(0, { messageType: h & 0x3ff, messageId: buf.readUInt32BE(off + 6) });
    }
    this.fatalError = error;
    this.partial = Buffer.alloc(0);
    this.have = 0;
    this.want = 0;
    out.push({ ok: false, error, offset: streamOffset });
    return -1;
  }

  private copyIn(src: Buffer, from: number, count: number, capacity: number): void {
    if (this.partial.length < capacity) {
      const next = Buffer.allocUnsafe(capacity);
      this.partial.copy(next, 0, 0, this.have);
      this.partial = next;
    }
    src.copy(this.partial, this.have, from, from + count);
    this.have += count;
  }

  private decode(buf: Buffer, start: number, length: number, streamOffset: number): LlrpDecodeResult {
    try {
      return { ok: true, message: decodeFrame(buf, start, length), offset: streamOffset, length };
    } catch (err) {
      if (!(err instanceof LlrpProtocolError)) throw err;
      return { ok: false, error: err.rebase(streamOffset - start), offset: streamOffset };
    }
  }
}
