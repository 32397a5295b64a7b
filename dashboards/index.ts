import { buildDashboard, type GrafanaDashboard } from './dashboard-model.js';
import { customsCompliance } from './customs-compliance.js';
import { palletTrace } from './pallet-trace.js';
import { readersPipeline } from './readers-pipeline.js';
import { zoneOverview } from './zone-overview.js';

export { DATASOURCE, type GrafanaDashboard, type GrafanaPanel } from './dashboard-model.js';

/** Every Bondtrack dashboard, with the file name it is provisioned under. */
export const DASHBOARDS: ReadonlyArray<{ file: string; dashboard: GrafanaDashboard }> = [
  { file: 'zone-overview.json', dashboard: buildDashboard(zoneOverview) },
  { file: 'pallet-trace.json', dashboard: buildDashboard(palletTrace) },
  { file: 'customs-compliance.json', dashboard: buildDashboard(customsCompliance) },
  { file: 'readers-pipeline.json', dashboard: buildDashboard(readersPipeline) },
];
