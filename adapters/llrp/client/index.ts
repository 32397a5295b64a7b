/** The LLRP reader client. The only module other code imports from adapters/llrp/client. */
export { LlrpClient, type LlrpClientDeps, type LlrpClientEvents } from './client.js';
export { LlrpConnection, statusError, type LlrpRequestType } from './connection.js';
export {
  LlrpClientError,
  LlrpClientErrorCode,
  LlrpConnectionError,
  LlrpStatusError,
  LlrpTimeoutError,
  type LlrpErrorLocation,
} from './errors.js';
export {
  ConnectionSettings,
  LlrpClientOptions,
  RoSpecSettings,
  SEARCH_MODES,
  parseLlrpClientOptions,
  type LlrpClientOptionsInput,
  type SearchMode,
} from './options.js';
export { roSpec, roReportSpec, setReaderConfigMessage } from './reader-setup.js';
export { tagReadOf, type TagReadOutcome } from './tag-reads.js';
export { Backoff } from './backoff.js';
export { ManualTimers, systemTimers, type TimerHandle, type Timers } from './timers.js';
export { openTcp, type OpenTransport } from './transport.js';
export type { LlrpClientState, LlrpClientStats, LlrpStatusChange } from './types.js';
