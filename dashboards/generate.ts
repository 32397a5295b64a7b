/**
 * Writes the Grafana JSON of every dashboard in index.ts to dashboards/json/ (what Grafana's
 * provider loads). Run after changing a dashboard: `npx tsx dashboards/generate.ts`. The dashboards
 * test fails when the JSON differs from the dashboards in index.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { DASHBOARD_JSON_DIR } from './dashboard-file.js';
import { format } from 'prettier';
import { DASHBOARDS } from './index.js';

await mkdir(DASHBOARD_JSON_DIR, { recursive: true });
for (const { file, dashboard } of DASHBOARDS) {
  // Formatted as `prettier --check .` wants it (prettier is a dev dependency, as is this script).
  await writeFile(
    new URL(file, DASHBOARD_JSON_DIR),
    await format(JSON.stringify(dashboard), { parser: 'json' }),
  );
  process.stdout.write(`wrote dashboards/json/${file}\n`);
}
