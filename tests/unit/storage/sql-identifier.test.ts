import { describe, expect, test } from 'vitest';
import { assertSchemaName, qualify, quoteIdent } from '../../../pipeline/sink/sql-identifier.js';

describe('schema names', () => {
  test.each(['bondtrack', 'bt_0123456789', 'Bt-Mixed.x', '9lives', '_private', 'a'.repeat(63)])(
    'accepts %s',
    (name) => {
      expect(assertSchemaName(name)).toBe(name);
    },
  );

  test.each(['', 'a b', 'x"y', 'x;drop', '.hidden', '-dash', 'tab\tname', 'a'.repeat(64), 'schéma'])(
    'refuses %j',
    (name) => {
      expect(() => assertSchemaName(name)).toThrow(
        expect.objectContaining({ code: 'BT_DB_SCHEMA_NAME' }) as Error,
      );
    },
  );

  test('quoting doubles embedded quotes and qualify quotes both parts', () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(qualify('Bt-Mixed.x', 'positions')).toBe('"Bt-Mixed.x"."positions"');
    expect(() => qualify('x"; DROP', 'positions')).toThrow(/schema name/);
  });
});
