import { describe, expect, test } from 'vitest';
import { startupSearchPath } from '../../../services/embedded-postgres.js';

/** A StartupMessage as pg sends it: Int32 length, Int32 196608, name\0value\0…\0. */
function startup(params: Record<string, string>): Buffer {
  const body = Buffer.from(
    `${Object.entries(params)
      .map(([k, v]) => `${k}\0${v}\0`)
      .join('')}\0`,
    'utf8',
  );
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(196_608, 4);
  return Buffer.concat([head, body]);
}

describe('search_path from the startup options of a connection to the embedded database', () => {
  test.each([
    ['-c search_path=alpha,public', 'alpha,public'],
    ['-csearch_path=alpha', 'alpha'],
    ['--search_path=beta', 'beta'],
    // As in PostgreSQL's pg_split_opts: only a backslash protects white space, quotes do not.
    ['-c statement_timeout=5s -c search_path="My\\ Schema",public', '"My Schema",public'],
    ['-c search_path=a,\\ b', 'a, b'],
    ['-c search_path=first -c search_path=second', 'second'],
  ])('%s → %s', (options, expected) => {
    expect(startupSearchPath(startup({ user: 'postgres', database: 'postgres', options }))).toBe(expected);
  });

  test('none without options, or when options set something else', () => {
    expect(startupSearchPath(startup({ user: 'postgres', database: 'postgres' }))).toBeUndefined();
    expect(
      startupSearchPath(startup({ user: 'postgres', options: '-c statement_timeout=5s' })),
    ).toBeUndefined();
    // A parameter *value* that happens to read "options" is not the options parameter.
    expect(
      startupSearchPath(startup({ application_name: 'options', user: '-c search_path=x' })),
    ).toBeUndefined();
  });
});
