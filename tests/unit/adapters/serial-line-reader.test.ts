import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BoundedReadlineParser } from '../../../adapters/serial/line-reader.js';

/** Feed `chunks` through a parser and collect the lines it emits, as strings. */
async function linesOf(chunks: Buffer[], maxLineBytes = 64): Promise<string[]> {
  const parser = new BoundedReadlineParser(maxLineBytes);
  const lines: string[] = [];
  parser.on('data', (line: Buffer) => {
    expect(Buffer.isBuffer(line)).toBe(true);
    lines.push(line.toString('utf8'));
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  Readable.from(chunks, { objectMode: false }).pipe(parser);
  await done;
  return lines;
}

describe('BoundedReadlineParser', () => {
  const input = Buffer.from('{"a":1}\r\n{"b":"é"}\n\n{"c":3}\n', 'utf8');

  it('splits lines on \\n and keeps \\r for the protocol parser; empty lines vanish', async () => {
    expect(await linesOf([input])).toEqual(['{"a":1}\r', '{"b":"é"}', '{"c":3}']);
  });

  it('gives the same lines however the bytes are split, even inside a UTF-8 character', async () => {
    const expected = await linesOf([input]);
    for (let at = 1; at < input.length; at++) {
      expect(await linesOf([input.subarray(0, at), input.subarray(at)]), `split at ${at}`).toEqual(expected);
    }
  });

  it('cuts an overlong line to max + 1 bytes, drops its tail, and carries on', async () => {
    const long = 'x'.repeat(200);
    const bytes = Buffer.from(`ok1\n${long}\nok2\n`);
    expect(await linesOf([bytes], 64)).toEqual(['ok1', 'x'.repeat(65), 'ok2']);
    for (let at = 1; at < bytes.length; at++) {
      expect(await linesOf([bytes.subarray(0, at), bytes.subarray(at)], 64), `split at ${at}`).toEqual([
        'ok1',
        'x'.repeat(65),
        'ok2',
      ]);
    }
  });

  it('passes a line of exactly the limit untouched', async () => {
    expect(await linesOf([Buffer.from(`${'z'.repeat(64)}\n`)], 64)).toEqual(['z'.repeat(64)]);
  });

  it('bounds memory when the overlong line arrives in many chunks', async () => {
    const chunks = [
      Buffer.from('ok1\n'),
      ...Array.from({ length: 100 }, () => Buffer.from('y'.repeat(50))),
      Buffer.from('tail\nok2\n'),
    ];
    expect(await linesOf(chunks, 64)).toEqual(['ok1', 'y'.repeat(65), 'ok2']);
  });

  it('hands on a partial last line when the input ends', async () => {
    expect(await linesOf([Buffer.from('ok\n{"half":')])).toEqual(['ok', '{"half":']);
  });
});
