import { describe, expect, test } from 'vitest';
import { unnestColumns, usToTimestamptz, type Column } from '../../../pipeline/sink/batch-insert.js';

interface Row {
  id: string;
  atUs: number;
  tags?: string[];
}

const columns: ReadonlyArray<Column<Row>> = [
  { name: 'id', type: 'text', value: (r) => r.id },
  { name: 'at_us', type: 'bigint', value: (r) => r.atUs },
  { name: 'tags', type: 'jsonb', value: (r) => (r.tags ? JSON.stringify(r.tags) : null) },
];

describe('batch inserts through unnest', () => {
  test('one typed array parameter per column, one element per row', () => {
    const { from, params } = unnestColumns<Row>(
      [
        { id: 'a', atUs: 1, tags: ['x'] },
        { id: 'b', atUs: 2 },
      ],
      columns,
    );
    expect(from).toBe('unnest($1::text[], $2::bigint[], $3::jsonb[]) AS r(id, at_us, tags)');
    expect(params).toEqual([
      ['a', 'b'],
      [1, 2],
      ['["x"]', null],
    ]);
  });

  test('µs become timestamptz through exact interval arithmetic, not a double division', () => {
    expect(usToTimestamptz('at_us')).toBe(`('epoch'::timestamptz + at_us * interval '1 microsecond')`);
  });
});
