import { describe, expect, test } from 'vitest';
import { expandMacros, intervalSeconds, renderQuery } from '../../../dashboards/grafana-macros.js';

// Pure code, kept beside the dashboard check it serves.
const ctx = {
  from: new Date('2026-01-01T00:00:00.000Z'),
  to: new Date('2026-01-01T06:00:00.000Z'),
  variables: { site: 'wgq-1', site_id: 'other' },
};

describe('Grafana macro expansion (PostgreSQL datasource)', () => {
  test('time filter, groups and bounds expand as Grafana does', () => {
    expect(expandMacros('WHERE $__timeFilter(at)', ctx)).toBe(
      "WHERE at BETWEEN '2026-01-01T00:00:00.000Z' AND '2026-01-01T06:00:00.000Z'",
    );
    expect(expandMacros("SELECT $__timeGroupAlias(bucket, '5m')", ctx)).toBe(
      'SELECT floor(extract(epoch from bucket)/300)*300 AS "time"',
    );
    expect(expandMacros('GROUP BY $__timeGroup(at, 1h)', ctx)).toBe(
      'GROUP BY floor(extract(epoch from at)/3600)*3600',
    );
    expect(expandMacros('$__timeFrom() $__timeTo()', ctx)).toBe(
      "'2026-01-01T00:00:00.000Z' '2026-01-01T06:00:00.000Z'",
    );
  });

  test('$__interval follows the range, with a 1-minute floor', () => {
    expect(intervalSeconds(ctx)).toBe(60);
    expect(intervalSeconds({ ...ctx, to: new Date('2026-01-08T00:00:00.000Z') })).toBe(900);
    expect(renderQuery('$__timeGroupAlias(bucket, $__interval) $__interval_ms', ctx)).toBe(
      'floor(extract(epoch from bucket)/60)*60 AS "time" 60000',
    );
  });

  test('variables: $name, ${name}, ${name:raw}, [[name]], and a longer name is not eaten by a shorter one', () => {
    expect(
      renderQuery("site = '$site' OR site = '${site}' OR '${site:raw}' OR '[[site]]' OR $site_id", ctx),
    ).toBe("site = 'wgq-1' OR site = 'wgq-1' OR 'wgq-1' OR 'wgq-1' OR other");
    expect(renderQuery('$unknown', ctx)).toBe('$unknown');
  });

  test('an unknown macro or a bad interval is an error naming it', () => {
    expect(() => expandMacros('$__nope(x)', ctx)).toThrow(/\$__nope/);
    expect(() => expandMacros('$__timeGroup(at, soon)', ctx)).toThrow(/interval "soon"/);
  });
});
