import { describe, expect, it } from 'vitest';
import { jsonArrayBytes, utf8Bytes } from '../../../pipeline/runtime/utf8-bytes.js';

const TEXTS = [
  '',
  '{"v":1,"id":"9f86d081884c7d659a2feaa0c55ad015","epc":"3034257BF7194E4000000001","count":5}',
  'Zóna café',
  '倉庫 A',
  'pallet 📦',
  'lone \ud800 surrogate',
  '\u007f\u0080\u00ff',
  'x'.repeat(70_000),
];

describe('utf8Bytes: the UTF-8 bytes of a string, ASCII copied as it is', () => {
  it.each(TEXTS.map((t) => [t.slice(0, 24), t]))('%s… is what Buffer.from gives', (_, text) => {
    expect(utf8Bytes(text).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('a string built from pieces (not flat) too', () => {
    let text = '';
    for (let i = 0; i < 500; i++) text += `{"i":${i},"zone":"Zóna-${i % 7}"},`;
    expect(utf8Bytes(text).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });
});

describe('jsonArrayBytes: JSON texts as one JSON array', () => {
  it('equals the joined array, ASCII and not, and parses back to the values', () => {
    const values = TEXTS.filter((t) => t !== '' && !t.includes('\ud800')).map((t) => JSON.stringify({ t }));
    const bytes = jsonArrayBytes(values);
    expect(bytes.equals(Buffer.from(`[${values.join(',')}]`, 'utf8'))).toBe(true);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(values.map((v) => JSON.parse(v) as unknown));
  });

  it('one value and none', () => {
    expect(jsonArrayBytes(['{"a":1}']).toString('utf8')).toBe('[{"a":1}]');
    expect(jsonArrayBytes([]).toString('utf8')).toBe('[]');
  });
});
