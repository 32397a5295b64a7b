import type pg from 'pg';
import { describeError } from '../runtime/errors.js';
import type { DashboardFile } from './dashboard-file.js';
import { renderQuery, type QueryContext } from './grafana-macros.js';
import { shapeProblem } from './panel-shape.js';

export interface PanelCheck {
  dashboard: string;
  panel: string;
  type: string;
  ok: boolean;
  rows: number;
  columns: string[];
  /** Why the panel fails: an SQL error, a missing variable value, or a result of the wrong shape. */
  problem?: string;
  /** The SQL as run, macros expanded. */
  sql: string;
}

export interface CheckOptions {
  from: Date;
  to: Date;
  /** Values to use instead of each variable's first value. */
  variables?: Record<string, string>;
  /** Run the queries as this role (SET LOCAL ROLE), e.g. the Grafana role, to prove it can. */
  role?: string;
}

/**
 * Run every panel of `dashboard` as Grafana would: variables resolved in order (each from its query,
 * first value, unless given), macros expanded, each query in a read-only transaction that is rolled
 * back. `db` must have the Bondtrack schema first on its search_path (createPool's `schema`).
 */
export async function checkDashboard(
  db: pg.Pool,
  dashboard: DashboardFile,
  options: CheckOptions,
): Promise<PanelCheck[]> {
  const client = await db.connect();
  try {
    const run = async (sql: string): Promise<pg.QueryResult> => {
      await client.query('BEGIN READ ONLY');
      try {
        if (options.role !== undefined)
          await client.query(`SET LOCAL ROLE "${options.role.replaceAll('"', '""')}"`);
        return await client.query(sql);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    const ctx: QueryContext = { from: options.from, to: options.to, variables: {} };
    const checks: PanelCheck[] = [];
    let variableProblem: string | undefined;
    for (const variable of dashboard.templating.list) {
      const given = options.variables?.[variable.name];
      if (given !== undefined) {
        ctx.variables[variable.name] = given;
        continue;
      }
      try {
        const result = await run(renderQuery(variable.query, ctx));
        const first = result.rows[0] as Record<string, unknown> | undefined;
        const value = first === undefined ? undefined : Object.values(first)[0];
        if (typeof value === 'string' || typeof value === 'number') {
          ctx.variables[variable.name] = String(value);
        } else {
          variableProblem ??= `variable $${variable.name} has no text values`;
        }
      } catch (err) {
        variableProblem ??= `variable $${variable.name}: ${describeError(err)}`;
      }
    }
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const base = { dashboard: dashboard.title, panel: panel.title, type: panel.type };
        let sql = target.rawSql;
        try {
          sql = renderQuery(target.rawSql, ctx);
          if (variableProblem !== undefined) throw new Error(variableProblem);
          const result = await run(sql);
          const problem = shapeProblem(panel.type, result.fields, result.rows.length);
          checks.push({
            ...base,
            ok: problem === undefined,
            rows: result.rows.length,
            columns: result.fields.map((f) => f.name),
            ...(problem === undefined ? {} : { problem }),
            sql,
          });
        } catch (err) {
          checks.push({ ...base, ok: false, rows: 0, columns: [], problem: describeError(err), sql });
        }
      }
    }
    return checks;
  } finally {
    client.release();
  }
}

/** One line per panel, for the CLI. */
export function formatCheck(c: PanelCheck): string {
  const what = `${c.dashboard} / ${c.panel} (${c.type})`;
  return c.ok
    ? `ok    ${what}: ${c.rows} row(s); ${c.columns.join(', ')}`
    : `FAIL  ${what}: ${c.problem ?? 'failed'}`;
}
