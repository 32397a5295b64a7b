import { Duplex } from 'node:stream';
import {
  LlrpFrameDecoder,
  encodeMessage,
  makeStatus,
  type LlrpMessage,
} from '../../../adapters/llrp/index.js';
import type { OpenTransport } from '../../../adapters/llrp/client/index.js';

/** One end of an in-memory byte pipe; what is written to one end is read from the other. */
class PipeEnd extends Duplex {
  peer!: PipeEnd;
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.peer.push(chunk);
    callback();
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.peer.push(null);
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    callback(error);
  }
}

function pipePair(): [PipeEnd, PipeEnd] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * A scripted reader at the far end of an in-memory pipe: records what the client sends and
 * answers as the test says (by default: success, with the request's Message ID). No timers of
 * its own, so the client's injected ManualTimers alone decide when timeouts fire.
 */
export class FakeReader {
  readonly received: LlrpMessage[] = [];
  /** Requests not answered at once (see `hold`), by type. */
  readonly held: LlrpMessage[] = [];
  connections = 0;
  private end: PipeEnd | undefined;
  private holding = new Set<string>();
  /** Replace the answer to a request type (undefined = no answer at all). */
  readonly answers = new Map<string, (request: LlrpMessage) => LlrpMessage | undefined>();
  /** When false, new connections are refused at TCP level. */
  accepting = true;

  readonly open: OpenTransport = () => {
    if (!this.accepting) return Promise.reject(new Error('connect ECONNREFUSED (fake)'));
    const [client, reader] = pipePair();
    this.connections++;
    this.end = reader;
    const decoder = new LlrpFrameDecoder();
    reader.on('data', (chunk: Buffer) => {
      for (const r of decoder.push(chunk)) if (r.ok) this.onMessage(r.message);
    });
    reader.on('error', () => undefined);
    return Promise.resolve(client);
  };

  /** Don't answer requests of this type until `release`. */
  hold(type: string): void {
    this.holding.add(type);
  }

  release(type: string): void {
    this.holding.delete(type);
    for (const message of this.held.filter((m) => m.type === type)) {
      this.held.splice(this.held.indexOf(message), 1);
      this.answer(message);
    }
  }

  send(message: LlrpMessage): void {
    this.end?.write(encodeMessage(message));
  }

  /** The connection event (spec §18.1), status 0 unless told otherwise. */
  greet(status = 0): void {
    this.send({
      type: 'READER_EVENT_NOTIFICATION',
      id: 0,
      readerEventNotificationData: {
        type: 'ReaderEventNotificationData',
        timestamp: { type: 'UTCTimestamp', microseconds: 1_764_000_000_000_000n },
        connectionAttemptEvent: { type: 'ConnectionAttemptEvent', status },
      },
    });
  }

  /** Cut the pipe, as a dropped TCP connection. */
  drop(): void {
    this.end?.destroy();
  }

  types(): string[] {
    return this.received.map((m) => m.type);
  }

  private onMessage(message: LlrpMessage): void {
    this.received.push(message);
    if (message.type === 'KEEPALIVE_ACK') return;
    if (this.holding.has(message.type)) {
      this.held.push(message);
      return;
    }
    this.answer(message);
  }

  private answer(request: LlrpMessage): void {
    const custom = this.answers.get(request.type);
    if (custom !== undefined) {
      const response = custom(request);
      if (response !== undefined) this.send(response);
      return;
    }
    const type =
      request.type === 'CLOSE_CONNECTION' ? 'CLOSE_CONNECTION_RESPONSE' : `${request.type}_RESPONSE`;
    this.send({ type, id: request.id, llrpStatus: makeStatus() } as LlrpMessage);
    if (request.type === 'CLOSE_CONNECTION') this.end?.end();
  }
}
