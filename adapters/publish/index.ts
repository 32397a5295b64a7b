/** The MQTT publisher every adapter shares. The only module other code imports from adapters/publish. */
export { createPublisher, type PublisherDeps } from './publisher.js';
export {
  PublisherOptions,
  parsePublisherOptions,
  publisherOptionsOf,
  type PublisherOptionsInput,
} from './options.js';
export { PublishError, PublishErrorCode } from './errors.js';
export type { DeadLetterInput, Publisher, PublisherCloseResult, PublisherStats } from './types.js';
export type { SequenceGapTotals } from './reader-presence.js';
