import { BondtrackError } from '../../runtime/errors.js';

/** Stable codes of the shared publisher; logs and dashboards key on them. */
export const PublishErrorCode = {
  /** push()/deadLetter() after close(): a bug in the caller, which must stop its input first. */
  CLOSED: 'BT_PUBLISH_CLOSED',
  /** A reader id that cannot appear in an MQTT topic (schemas/primitives.ts `Identifier`). */
  BAD_READER_ID: 'BT_PUBLISH_BAD_READER_ID',
  /** An outgoing message failed its own schema: a bug in the publisher or its caller. */
  INVALID_MESSAGE: 'BT_PUBLISH_INVALID_MESSAGE',
  /** The broker or client refused a publish (MQTT 5 negative PUBACK, client shutting down). */
  FAILED: 'BT_PUBLISH_FAILED',
  /** close() gave up waiting for PUBACKs; the messages still in memory are lost. */
  CLOSE_TIMEOUT: 'BT_PUBLISH_CLOSE_TIMEOUT',
  /** The on-disk queue was full under queueFullPolicy drop-oldest; the oldest messages were discarded. */
  QUEUE_FULL_DROPPED: 'BT_PUBLISH_QUEUE_FULL_DROPPED',
} as const;
export type PublishErrorCode = (typeof PublishErrorCode)[keyof typeof PublishErrorCode];

export class PublishError extends BondtrackError {
  declare readonly code: PublishErrorCode;
  /** The reader the failed message belongs to, when there is one. */
  readonly readerId: string | undefined;

  constructor(
    code: PublishErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; readerId?: string } = {},
  ) {
    super(code, message, options);
    this.readerId = options.readerId;
  }
}
