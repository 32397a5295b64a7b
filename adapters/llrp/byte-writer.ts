/**
 * Growable big-endian write cursor (the only way the encoder writes bytes). Bit fields are packed
 * MSB first into an accumulator and must end on an octet boundary (spec §16 intro: every field
 * list is padded to whole octets).
 */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;
  private bitAcc = 0;
  private bitCount = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }
  s8(v: number): void {
    this.u8(v & 0xff);
  }
  s16(v: number): void {
    this.u16(v & 0xffff);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Append `width` bits of `v`, MSB first; flushes whole octets. */
  bits(v: number, width: number): void {
    for (let i = width - 1; i >= 0; i--) {
      this.bitAcc = (this.bitAcc << 1) | ((v >>> i) & 1);
      if (++this.bitCount === 8) {
        this.u8(this.bitAcc);
        this.bitAcc = 0;
        this.bitCount = 0;
      }
    }
  }

  /** True when no bit field is half written. */
  get aligned(): boolean {
    return this.bitCount === 0;
  }

  /** Reserve `n` bytes to patch later (lengths); returns their position. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.buf.fill(0, at, at + n);
    this.pos += n;
    return at;
  }
  patchU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v & 0xffff, at);
  }
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }

  /** A copy of the written bytes, sized exactly. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
