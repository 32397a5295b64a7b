import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deterministicId } from '../../../runtime/ids.js';

/** The id as it was first defined: each part and a NUL separator fed to SHA-256 one by one. */
function piecewise(...parts: Array<string | number>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(String(part));
    hash.update('\u0000');
  }
  return hash.digest('hex').slice(0, 32);
}

describe('deterministicId', () => {
  it('hashing the joined parts at once gives the ids stored so far, byte for byte', () => {
    const cases: Array<Array<string | number>> = [
      [],
      [''],
      ['obs', 'RD-STOR-A', 2, '3178E61C883950F59A000000', 1_764_000_000_000_000],
      ['first', 'BR-001', 4, '3178E61C8839000000000007', 1_767_225_601_000_000],
      ['event', 'E', 'MOVED', '', 'Z-1', '', -1.5],
      ['ab', 'c'],
      ['a', 'bc'],
      ['zoné', '✓', 'x\u0000y', 1e21, 0.1],
    ];
    for (const parts of cases)
      expect(deterministicId(...parts), JSON.stringify(parts)).toBe(piecewise(...parts));
    expect(deterministicId('ab', 'c')).not.toBe(deterministicId('a', 'bc'));
  });
});
