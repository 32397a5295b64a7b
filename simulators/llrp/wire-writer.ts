import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * How the emulator puts its messages on the wire, to exercise a client's framing (reference §6
 * pitfall 1): real readers' messages arrive split across TCP segments and several to a segment.
 */
export interface WireShape {
  /** Write each message in chunks of at most this many bytes, one socket write (and turn) each. */
  fragmentBytes?: number | undefined;
  /** Hold messages and write this many as one buffer (the rest at the end of the turn). */
  coalesce?: number | undefined;
}

/**
 * Writes frames to one socket in order, shaped as `WireShape` says. With `noDelay` each small
 * write leaves as its own TCP segment, so 1-byte fragments really arrive one byte at a time.
 */
export class WireWriter {
  private held: Buffer[] = [];
  private chain: Promise<boolean> = Promise.resolve(true);
  private flushQueued = false;
  bytesWritten = 0;

  constructor(
    private readonly socket: Socket,
    private readonly shape: () => WireShape,
  ) {
    socket.setNoDelay(true);
  }

  /**
   * Queue one encoded message. Resolves true once it has been handed to the socket whole, false
   * when the connection ended first (the message never went out, or only part of it).
   */
  send(frame: Buffer): Promise<boolean> {
    const coalesce = this.shape().coalesce ?? 1;
    if (coalesce <= 1) return this.enqueue([frame]);
    this.held.push(frame);
    const written = this.heldWritten();
    if (this.held.length >= coalesce) void this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      // Whatever is still held at the end of this turn goes out together.
      setImmediate(() => void this.flush());
    }
    return written;
  }

  /** Write what is held now. */
  flush(): Promise<boolean> {
    this.flushQueued = false;
    if (this.held.length === 0) return this.chain;
    const frames = this.held;
    const settle = this.settleHeld;
    this.held = [];
    this.heldPromise = undefined;
    const written = this.enqueue(frames);
    void written.then(settle);
    return written;
  }

  /** Resolves once everything queued so far is written. */
  async drained(): Promise<void> {
    await this.flush();
    await this.chain;
  }

  private heldPromise: Promise<boolean> | undefined;
  private settleHeld: (written: boolean) => void = () => undefined;

  /** One promise for all frames held for the same write. */
  private heldWritten(): Promise<boolean> {
    this.heldPromise ??= new Promise<boolean>((resolve) => (this.settleHeld = resolve));
    return this.heldPromise;
  }

  private enqueue(frames: Buffer[]): Promise<boolean> {
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    const written = this.chain.then(() => this.write(bytes)).catch(() => false);
    this.chain = written;
    return written;
  }

  private async write(bytes: Buffer): Promise<boolean> {
    if (this.socket.destroyed) return false;
    const size = this.shape().fragmentBytes;
    if (size === undefined || size <= 0 || size >= bytes.length) {
      this.bytesWritten += bytes.length;
      if (!this.socket.write(bytes)) await waitDrain(this.socket);
      return !this.socket.destroyed;
    }
    for (let at = 0; at < bytes.length; at += size) {
      if (this.socket.destroyed) return false;
      const chunk = bytes.subarray(at, at + size);
      this.bytesWritten += chunk.length;
      if (!this.socket.write(chunk)) await waitDrain(this.socket);
      // A turn between chunks: Nagle is off, so each chunk leaves as its own segment.
      await nextTurn();
    }
    return true;
  }
}

function waitDrain(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
