import { BondtrackError } from '../runtime/errors.js';

/** What Grafana knows when it interpolates a panel's SQL: the time range and the variables' values. */
export interface QueryContext {
  from: Date;
  to: Date;
  /** Template variable values by name (site, pallet, …), substituted raw as Grafana does for SQL. */
  variables: Record<string, string>;
  /** Target number of points in a series; Grafana derives it from the panel width. Default 1000. */
  maxDataPoints?: number;
}

// Grafana's "nice" intervals (pkg/tsdb/intervalv2 roundInterval); our rollups are per minute, so 1m
// is the floor, as the datasource's "Min time interval" would set it.
const NICE_INTERVALS_S = [60, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400, 604800];

/** `$__interval` for a range, like Grafana: range / maxDataPoints, rounded up to a nice step. */
export function intervalSeconds(ctx: QueryContext): number {
  const raw = (ctx.to.getTime() - ctx.from.getTime()) / 1000 / (ctx.maxDataPoints ?? 1000);
  return NICE_INTERVALS_S.find((s) => s >= raw) ?? NICE_INTERVALS_S[NICE_INTERVALS_S.length - 1]!;
}

function formatInterval(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** `'5m'`, `5m`, `'1h'` → seconds (Grafana's interval syntax as the macros take it). */
function parseInterval(text: string): number {
  const match = /^'?(\d+)(s|m|h|d)'?$/.exec(text.trim());
  if (!match) throw new BondtrackError('BT_DASHBOARD_MACRO', `cannot read interval ${JSON.stringify(text)}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Step 1, in the browser: template variables and the built-in `$__interval` / `$__interval_ms`. */
export function interpolateVariables(sql: string, ctx: QueryContext): string {
  const interval = intervalSeconds(ctx);
  const values: Record<string, string> = {
    ...ctx.variables,
    __interval: formatInterval(interval),
    __interval_ms: String(interval * 1000),
  };
  // ${name}, ${name:raw}, [[name]], then $name (longest first so $site does not eat $site_id).
  let out = sql.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string) => {
    const name = (a ?? b)!;
    return name in values ? values[name]! : whole;
  });
  const names = Object.keys(values).sort((x, y) => y.length - x.length);
  for (const name of names) {
    out = out.replace(new RegExp(`\\$${name}(?![\\w])`, 'g'), () => values[name]!);
  }
  return out;
}

/**
 * Step 2, in Grafana's PostgreSQL datasource backend (pkg/tsdb/grafana-postgresql-datasource/macros.go):
 * the `$__…(…)` macros. Unknown macros are an error, as Grafana reports them.
 */
export function expandMacros(sql: string, ctx: QueryContext): string {
  const from = `'${ctx.from.toISOString()}'`;
  const to = `'${ctx.to.toISOString()}'`;
  return sql.replace(/\$__(\w+)\(([^()]*)\)/g, (_whole, name: string, argText: string) => {
    const args = argText.split(',').map((a) => a.trim());
    const column = args[0] ?? '';
    switch (name) {
      case 'time':
        return `${column} AS "time"`;
      case 'timeEpoch':
        return `extract(epoch from ${column}) AS "time"`;
      case 'timeFilter':
        return `${column} BETWEEN ${from} AND ${to}`;
      case 'timeFrom':
        return from;
      case 'timeTo':
        return to;
      case 'timeGroup':
      case 'timeGroupAlias': {
        const seconds = parseInterval(args[1] ?? '');
        const group = `floor(extract(epoch from ${column})/${seconds})*${seconds}`;
        return name === 'timeGroup' ? group : `${group} AS "time"`;
      }
      case 'unixEpochFilter':
        return `${column} >= ${Math.floor(ctx.from.getTime() / 1000)} AND ${column} <= ${Math.floor(ctx.to.getTime() / 1000)}`;
      default:
        throw new BondtrackError('BT_DASHBOARD_MACRO', `unknown Grafana macro $__${name}`);
    }
  });
}

/** Both steps, in Grafana's order. */
export function renderQuery(sql: string, ctx: QueryContext): string {
  return expandMacros(interpolateVariables(sql, ctx), ctx);
}
