import { describe, expect, test } from 'vitest';
import { DatabaseError, isRetriableDbError, toDatabaseError } from '../../../pipeline/sink/db-errors.js';
import { BondtrackError } from '../../../runtime/errors.js';

function pgError(code: string): Error & { code: string } {
  return Object.assign(new Error(`server said ${code}`), { code });
}

describe('which database errors are worth retrying', () => {
  test.each(['08006', '08001', '40001', '40P01', '53300', '57P01', '55P03'])(
    'SQLSTATE %s is retriable',
    (code) => {
      expect(isRetriableDbError(pgError(code))).toBe(true);
    },
  );

  test.each(['22003', '22P02', '23505', '42P01', '42703', 'XX000'])('SQLSTATE %s is not', (code) => {
    expect(isRetriableDbError(pgError(code))).toBe(false);
  });

  test('socket errors and lost connections are retriable; a BondtrackError keeps its own flag', () => {
    expect(
      isRetriableDbError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isRetriableDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetriableDbError(new BondtrackError('BT_X', 'no', { retriable: false }))).toBe(false);
    expect(isRetriableDbError(new Error('syntax error at or near "x"'))).toBe(false);
  });

  test('toDatabaseError keeps the cause and the SQLSTATE and names it in the message', () => {
    const cause = pgError('23505');
    const err = toDatabaseError('BT_DB_WRITE_FAILED', 'cannot write', cause);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err).toMatchObject({ code: 'BT_DB_WRITE_FAILED', sqlState: '23505', retriable: false, cause });
    expect(err.message).toBe('cannot write: server said 23505 (SQLSTATE 23505)');
    expect(toDatabaseError('BT_OTHER', 'again', err)).toBe(err);
  });
});
