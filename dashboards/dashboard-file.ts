import { readdir, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BondtrackError, describeError } from '../runtime/errors.js';

/** Where the generated dashboards live; Grafana's dashboard provider points here. */
export const DASHBOARD_JSON_DIR = new URL('./json/', import.meta.url);

const PanelType = z.enum(['timeseries', 'state-timeline', 'table', 'stat', 'bargauge', 'piechart']);

/**
 * What a dashboard file must have for Grafana to load it and for the check to run it: the subset
 * of Grafana's dashboard JSON model (schemaVersion 39) that our panels use.
 */
export const DashboardFile = z.object({
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(36),
  time: z.object({ from: z.string().min(1), to: z.string().min(1) }),
  templating: z.object({
    list: z.array(
      z.object({ name: z.string().regex(/^\w+$/), type: z.literal('query'), query: z.string().min(1) }),
    ),
  }),
  panels: z
    .array(
      z.object({
        id: z.number().int().positive(),
        title: z.string().min(1),
        type: PanelType,
        gridPos: z.object({
          x: z.number().int().min(0).max(23),
          y: z.number().int().min(0),
          w: z.number().int().min(1).max(24),
          h: z.number().int().min(1),
        }),
        targets: z
          .array(
            z.object({
              refId: z.string().min(1),
              format: z.enum(['time_series', 'table']),
              rawQuery: z.literal(true),
              rawSql: z.string().min(1),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});
export type DashboardFile = z.infer<typeof DashboardFile>;

/** Read and validate every `*.json` in `dir`; a file that is not a valid dashboard throws, naming it. */
export async function loadDashboardFiles(
  dir: URL = DASHBOARD_JSON_DIR,
): Promise<Array<{ file: string; dashboard: DashboardFile }>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const out: Array<{ file: string; dashboard: DashboardFile }> = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(new URL(file, dir), 'utf8'));
    } catch (err) {
      throw new BondtrackError('BT_DASHBOARD_INVALID', `${file} is not JSON: ${describeError(err)}`);
    }
    const parsed = DashboardFile.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BondtrackError('BT_DASHBOARD_INVALID', `${file}: ${issue.path.join('.')}: ${issue.message}`);
    }
    const ids = parsed.data.panels.map((p) => p.id);
    if (new Set(ids).size !== ids.length) {
      throw new BondtrackError('BT_DASHBOARD_INVALID', `${file}: panel ids must be unique`);
    }
    out.push({ file, dashboard: parsed.data });
  }
  if (out.length === 0) throw new BondtrackError('BT_DASHBOARD_INVALID', `no dashboards in ${dir.pathname}`);
  return out;
}
