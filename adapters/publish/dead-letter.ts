import { describeError } from '../../runtime/errors.js';
import { DeadLetter, parseWith } from '../../schemas/index.js';
import { PublishError, PublishErrorCode } from './errors.js';
import type { DeadLetterInput } from './types.js';

/** DeadLetter field limits (schemas/dead-letter.ts). */
const MAX_REASON_CHARS = 2000;
const MAX_PAYLOAD_CHARS = 1_048_576;

/**
 * A DeadLetter record from refused input: a string payload goes as utf8, a Buffer as base64; a
 * payload or reason over the schema's limits is cut (and the reason says so) rather than making
 * the record itself invalid, which would lose the input entirely.
 */
export function buildDeadLetter(
  input: DeadLetterInput,
  context: { stage: string; site: string; atUs: number },
): DeadLetter {
  let payload = typeof input.payload === 'string' ? input.payload : input.payload.toString('base64');
  let reason = input.reason;
  if (payload.length > MAX_PAYLOAD_CHARS) {
    payload = payload.slice(0, MAX_PAYLOAD_CHARS);
    reason = `${reason} (payload truncated to ${MAX_PAYLOAD_CHARS} characters)`;
  }
  if (reason.length > MAX_REASON_CHARS) reason = `${reason.slice(0, MAX_REASON_CHARS - 3)}...`;
  try {
    return parseWith(DeadLetter, 'DeadLetter', {
      v: 1,
      stage: context.stage,
      code: input.code,
      reason,
      site: context.site,
      readerId: input.readerId,
      payload,
      payloadEncoding: typeof input.payload === 'string' ? 'utf8' : 'base64',
      atUs: context.atUs,
    });
  } catch (err) {
    // After the cuts above only a caller's bug (an empty or over-long code) gets here.
    throw new PublishError(PublishErrorCode.INVALID_MESSAGE, describeError(err), {
      cause: err,
      readerId: input.readerId,
    });
  }
}
