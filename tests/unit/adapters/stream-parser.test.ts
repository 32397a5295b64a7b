import { describe, expect, it } from 'vitest';
import {
  StreamParser,
  type PositionedOutcome,
  type StreamParserSettings,
} from '../../../adapters/formats/index.js';
import { JsonDocumentSplitter } from '../../../adapters/native/index.js';

const EPC = '3178E61C883950F59A000000';

/** Feed `text` in two chunks cut at `at` and summarise what comes out. */
function parseSplit(settings: StreamParserSettings, text: string, at: number): string[] {
  const parser = new StreamParser(settings);
  const outcomes: PositionedOutcome[] = [
    ...parser.push(text.slice(0, at), 1_775_131_200_000_000),
    ...parser.push(text.slice(at), 1_775_131_200_000_000),
    ...parser.end(1_775_131_200_000_000),
  ];
  return outcomes.map(({ outcome, position }) =>
    outcome.kind === 'read'
      ? `${position} read ${JSON.stringify(outcome.read)}`
      : outcome.kind === 'error'
        ? `${position} error ${outcome.error.code}`
        : `${position} skip`,
  );
}

function expectSameAtEveryCut(settings: StreamParserSettings, text: string): string[] {
  const whole = parseSplit(settings, text, text.length);
  for (let at = 0; at <= text.length; at++)
    expect(parseSplit(settings, text, at), `cut at ${at}`).toEqual(whole);
  return whole;
}

describe('StreamParser: lines split across chunks give the same result at every offset', () => {
  it('alien-text with CRLF, a header block and garbage', () => {
    const text = [
      '#Alien RFID Reader Auto Notification Message',
      '#Time: 2026/04/02 20:00:05',
      'Tag:3178 E61C 8839 50F5 9A00 0000, Disc:2026/04/02 20:00:00, Last:2026/04/02 20:00:01, Count:4, Ant:0',
      'garbage',
      '#End of Notification Message',
      '',
    ].join('\r\n');
    const result = expectSameAtEveryCut({ format: 'alien-text', timeZone: 'Asia/Shanghai' }, text);
    expect(result).toEqual([
      '1 skip',
      '2 skip',
      `3 read {"epc":"${EPC}","antenna":1,"seenAtUs":1775131201000000,"count":4}`,
      '4 error BT_SERIAL_UNRECOGNISED_LINE',
      '5 skip',
    ]);
  });

  it('a last line without its newline is still parsed at the end', () => {
    const result = expectSameAtEveryCut(
      { format: 'csv', csvColumns: ['epc', 'antenna', 'seenAtUs'] },
      `${EPC},1,1775131200000000\n${EPC},2,1775131200000001`,
    );
    expect(result).toHaveLength(2);
    expect(result[1]).toContain('"antenna":2');
  });
});

describe('JSON documents split across chunks', () => {
  const envelope = JSON.stringify({
    eventType: 'tagInventory',
    timestamp: '2026-04-02T12:00:00Z',
    tagInventoryEvent: { epcHex: EPC, antennaPort: 1, note: 'a "}" in a string' },
  });

  it('NDJSON with garbage and a truncated line loses nothing after them', () => {
    const text = `${envelope}\nnot json\n{"eventType":"tagInv\n${envelope}\r\n`;
    const result = expectSameAtEveryCut({ format: 'impinj-iot' }, text);
    expect(result.map((r) => r.replace(/ \{.*/, ''))).toEqual([
      '1 read',
      '2 error BT_NATIVE_BAD_JSON',
      '3 error BT_NATIVE_BAD_JSON',
      '4 read',
    ]);
  });

  it('pretty-printed and concatenated documents', () => {
    const pretty = JSON.stringify(
      {
        reader_name: 'dock-1',
        tag_reads: [
          { epc: EPC, antennaPort: 1, firstSeenTimestamp: 1775131200000000 },
          { isHeartBeat: true },
        ],
      },
      null,
      2,
    );
    const result = expectSameAtEveryCut({ format: 'speedway-connect' }, `${pretty}${pretty}`);
    expect(result.map((r) => r.replace(/ \{.*/, ''))).toEqual(['1 read', '1 skip', '2 read', '2 skip']);
  });

  it('cuts a document that cannot be valid at the bracket that starts the next one', () => {
    const splitter = new JsonDocumentSplitter();
    expect(splitter.push('{"a":1 {"b":2}')).toEqual([
      { kind: 'truncated', text: '{"a":1' },
      { kind: 'document', text: '{"b":2}' },
    ]);
    expect(splitter.push('[1,[2],{"c":[3]}]')).toEqual([{ kind: 'document', text: '[1,[2],{"c":[3]}]' }]);
  });

  it('refuses an oversized document without keeping it, and carries on', () => {
    const splitter = new JsonDocumentSplitter(64);
    const big = JSON.stringify({ x: 'y'.repeat(200) });
    const items = [
      ...splitter.push(big.slice(0, 100)),
      ...splitter.push(`${big.slice(100)}\n{"ok":1}`),
      ...splitter.end(),
    ];
    expect(items.map((i) => i.kind)).toEqual(['too-large', 'document']);
    expect(items[0]).toMatchObject({ chars: big.length });
  });
});
