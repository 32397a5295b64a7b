import { DEMO_MANIFEST_FILE, DEMO_SITE_FILE, loadManifest, loadSiteLayout } from '../runtime/site-file.js';
import type { Manifest, SiteLayout } from '../schemas/index.js';
import { DEMO_CUSTOMS_FILE, loadCustomsSeed, type CustomsSeed } from './customs-seed.js';
import { DEMO_SCHEDULE_FILE, loadScheduleSeed, type ScheduleSeed } from './schedule-seed.js';

/** Everything a simulation reads from files. */
export interface Scenario {
  site: SiteLayout;
  manifest: Manifest;
  customs: CustomsSeed | undefined;
  schedule: ScheduleSeed | undefined;
}

export interface ScenarioFiles {
  /** Default: seeds/demo-site.yaml. */
  siteFile?: string | undefined;
  /** Default: seeds/demo-manifest.json. */
  manifestFile?: string | undefined;
  /** Default: seeds/demo-customs.json; `false` for none. */
  customsFile?: string | false | undefined;
  /** Default: seeds/demo-schedule.json; `false` for none (trucks are then generated). */
  scheduleFile?: string | false | undefined;
}

/** Load and validate a scenario; with no arguments, the demo bonded zone of seeds/. */
export async function loadScenario(files: ScenarioFiles = {}): Promise<Scenario> {
  const customsFile = files.customsFile ?? DEMO_CUSTOMS_FILE;
  const scheduleFile = files.scheduleFile ?? DEMO_SCHEDULE_FILE;
  const [site, manifest, customs, schedule] = await Promise.all([
    loadSiteLayout(files.siteFile ?? DEMO_SITE_FILE),
    loadManifest(files.manifestFile ?? DEMO_MANIFEST_FILE),
    customsFile === false ? undefined : loadCustomsSeed(customsFile),
    scheduleFile === false ? undefined : loadScheduleSeed(scheduleFile),
  ]);
  return { site, manifest, customs, schedule };
}
