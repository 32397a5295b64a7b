import { deadLettersTotal } from '../../runtime/metrics.js';
import { Identifier, type DeadLetter } from '../../schemas/index.js';
import type { OutputRecord } from './stage.js';

/** A dead-letter record for the DLQ topic: the input as received, with the stage, a code and a reason. */
export function deadLetterRecord(
  dlqTopic: string,
  fields: {
    stage: string;
    code: string;
    reason: string;
    payload: Buffer | string | null;
    atUs: number;
    site?: string;
    readerId?: string;
  },
): OutputRecord {
  deadLettersTotal.inc({ stage: fields.stage, code: fields.code });
  const raw = fields.payload ?? '';
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  // Bytes that are not valid UTF-8 (a corrupt frame) are kept exactly, as base64.
  const isText = typeof raw === 'string' || Buffer.from(text, 'utf8').equals(raw);
  const letter: DeadLetter = {
    v: 1,
    stage: fields.stage,
    code: fields.code,
    reason: fields.reason.slice(0, 2000),
    payload: isText ? text.slice(0, 1_048_576) : raw.toString('base64').slice(0, 1_048_576),
    payloadEncoding: isText ? 'utf8' : 'base64',
    atUs: fields.atUs,
  };
  // Ids taken from a topic or key of bad input may be bad themselves: keep only valid ones.
  if (fields.site && Identifier.safeParse(fields.site).success) letter.site = fields.site;
  if (fields.readerId && Identifier.safeParse(fields.readerId).success) letter.readerId = fields.readerId;
  return { topic: dlqTopic, key: fields.readerId ?? fields.stage, value: JSON.stringify(letter) };
}
