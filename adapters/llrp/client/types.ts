import type { LlrpClientErrorCode } from './errors.js';

/**
 * idle: not started; connecting: TCP connect; awaiting-event: waiting for the reader's
 * ConnectionAttemptEvent; configuring: reset, SET_READER_CONFIG, ADD/ENABLE/START_ROSPEC;
 * inventorying: reports flow; reconnecting: waiting out the backoff; closing/closed: close().
 */
export type LlrpClientState =
  | 'idle'
  | 'connecting'
  | 'awaiting-event'
  | 'configuring'
  | 'inventorying'
  | 'reconnecting'
  | 'closing'
  | 'closed';

/** A change the adapter turns into reader status (online / degraded / offline). */
export type LlrpStatusChange =
  | { kind: 'connected'; detail: string }
  | { kind: 'disconnected'; detail: string; code?: LlrpClientErrorCode }
  | { kind: 'keepalive-missed'; detail: string }
  | { kind: 'keepalive-restored'; detail: string }
  | { kind: 'reconnecting'; detail: string; delayMs: number };

export interface LlrpClientStats {
  readerId: string;
  address: string;
  state: LlrpClientState;
  /** Connections that reached inventory, failed attempts, and losses of a working connection. */
  connects: number;
  connectFailures: number;
  disconnects: number;
  /** Of the disconnects: those because the reader fell silent (keepalive). */
  keepaliveLosses: number;
  /** RO_ACCESS_REPORTs and TagReportData received. */
  reports: number;
  tags: number;
  /** Messages skipped as undecodable, and messages nobody asked for. */
  badMessages: number;
  unexpected: number;
  reconnectAttempts: number;
  paused: boolean;
  lastError: string | undefined;
}
