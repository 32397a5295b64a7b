import { LlrpConnectionError, LlrpClientErrorCode, LlrpTimeoutError } from './errors.js';
import type { TimerHandle, Timers } from './timers.js';

interface Pending<T> {
  request: string;
  /** The message type the answer must have (or ERROR_MESSAGE). */
  responseType: string;
  resolve(message: T): void;
  reject(err: Error): void;
  timer: TimerHandle;
}

/**
 * Requests waiting for their response, keyed by Message ID. Readers echo the request's ID in the
 * response (reference §4.3), so matching by ID — not by "the next response of that type", as
 * LTK-Java, sllurp and llrpjs do — survives late answers from a previous exchange (sllurp #210).
 */
export class PendingRequests<T extends { type: string; id: number }> {
  private readonly byId = new Map<number, Pending<T>>();

  constructor(
    private readonly timers: Timers,
    private readonly errorMessageType: string,
  ) {}

  /** Resolves with the response (or ERROR_MESSAGE) carrying `messageId`; rejects on timeout. */
  wait(messageId: number, request: string, responseType: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.byId.delete(messageId);
        reject(new LlrpTimeoutError(request, messageId, timeoutMs));
      }, timeoutMs);
      this.byId.set(messageId, { request, responseType, resolve, reject, timer });
    });
  }

  /**
   * Hand a message to the request it answers. Returns false when nothing waits for it (an
   * unsolicited message, or a response that arrived after its timeout).
   */
  settle(message: T): boolean {
    const pending = this.byId.get(message.id);
    if (pending === undefined) return false;
    if (message.type !== pending.responseType && message.type !== this.errorMessageType) return false;
    this.byId.delete(message.id);
    this.timers.clearTimeout(pending.timer);
    pending.resolve(message);
    return true;
  }

  /** The connection ended: every waiting request fails with `cause`. */
  failAll(cause: Error): void {
    for (const [id, pending] of this.byId) {
      this.timers.clearTimeout(pending.timer);
      pending.reject(
        cause instanceof LlrpConnectionError
          ? cause
          : new LlrpConnectionError(
              LlrpClientErrorCode.DISCONNECTED,
              `${pending.request} (id ${id}) lost: ${cause.message}`,
              {
                cause,
              },
            ),
      );
    }
    this.byId.clear();
  }

  get size(): number {
    return this.byId.size;
  }
}
