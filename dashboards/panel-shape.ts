import type { PanelType } from './dashboard-model.js';

/** A query result's columns as `pg` reports them: name and PostgreSQL type OID. */
export interface ResultColumn {
  name: string;
  dataTypeID: number;
}

// PostgreSQL type OIDs (pg_type.dat): int2 21, int4 23, int8 20, float4 700, float8 701, numeric 1700;
// timestamp 1114, timestamptz 1184, date 1082.
const NUMERIC = new Set([20, 21, 23, 700, 701, 1700]);
const TIME = new Set([1082, 1114, 1184]);

/**
 * Why a result cannot feed its visualisation, or undefined when it can. Grafana needs: for a time
 * series, a `time` column (a timestamp or epoch seconds) and a numeric value; for a state timeline,
 * `time` and a state; for stat, bar gauge and pie chart, a numeric value; for a table, any column.
 * Every panel must also return at least one row of the seeded data.
 */
export function shapeProblem(
  type: PanelType,
  columns: readonly ResultColumn[],
  rowCount: number,
): string | undefined {
  if (rowCount === 0) return 'returned no rows';
  const time = columns.find((c) => c.name === 'time');
  const timeOk = time !== undefined && (TIME.has(time.dataTypeID) || NUMERIC.has(time.dataTypeID));
  const numeric = columns.filter((c) => c.name !== 'time' && NUMERIC.has(c.dataTypeID));
  switch (type) {
    case 'timeseries':
      if (!timeOk) return 'a time series needs a "time" column (timestamp or epoch seconds)';
      if (numeric.length === 0) return 'a time series needs a numeric value column';
      return undefined;
    case 'state-timeline':
      if (!timeOk) return 'a state timeline needs a "time" column';
      if (columns.length < 2) return 'a state timeline needs a state column beside "time"';
      return undefined;
    case 'stat':
    case 'bargauge':
    case 'piechart':
      return numeric.length === 0 ? `a ${type} needs a numeric value column` : undefined;
    case 'table':
      return columns.length === 0 ? 'a table needs at least one column' : undefined;
  }
}
