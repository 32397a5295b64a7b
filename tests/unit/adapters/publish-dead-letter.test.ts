import { describe, expect, it } from 'vitest';
import { buildDeadLetter } from '../../../adapters/publish/dead-letter.js';
import { DeadLetter, parseWith } from '../../../schemas/index.js';

const context = { stage: 'adapter:serial', site: 'site-a', atUs: 1_764_000_000_000_000 };

describe('buildDeadLetter', () => {
  it('sends strings as utf8 and Buffers as base64', () => {
    expect(
      buildDeadLetter({ readerId: 'r1', code: 'BT_X', reason: 'why', payload: 'garbage' }, context),
    ).toEqual({
      v: 1,
      stage: 'adapter:serial',
      code: 'BT_X',
      reason: 'why',
      site: 'site-a',
      readerId: 'r1',
      payload: 'garbage',
      payloadEncoding: 'utf8',
      atUs: context.atUs,
    });
    const bytes = buildDeadLetter(
      { readerId: 'r1', code: 'BT_X', reason: 'why', payload: Buffer.from([0, 255]) },
      context,
    );
    expect(bytes).toMatchObject({ payload: 'AP8=', payloadEncoding: 'base64' });
  });

  it('cuts an oversized payload and reason to the schema limits instead of losing the record', () => {
    const letter = buildDeadLetter(
      { readerId: 'r1', code: 'BT_X', reason: 'r'.repeat(5000), payload: 'p'.repeat(2_000_000) },
      context,
    );
    expect(letter.payload).toHaveLength(1_048_576);
    expect(letter.reason).toHaveLength(2000);
    expect(letter.reason.endsWith('...')).toBe(true);
    expect(parseWith(DeadLetter, 'DeadLetter', letter)).toEqual(letter);
    const cut = buildDeadLetter(
      { readerId: 'r1', code: 'BT_X', reason: 'bad', payload: 'p'.repeat(2_000_000) },
      context,
    );
    expect(cut.reason).toBe('bad (payload truncated to 1048576 characters)');
  });

  it('refuses a record only a caller bug could produce, naming the field', () => {
    expect(() => buildDeadLetter({ readerId: 'r1', code: '', reason: 'why', payload: 'x' }, context)).toThrow(
      expect.objectContaining({
        code: 'BT_PUBLISH_INVALID_MESSAGE',
        message: expect.stringMatching(/code:/) as string,
      }),
    );
  });
});
