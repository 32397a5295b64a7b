import { describe, expect, test } from 'vitest';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { saveSiteLayout } from '../../../pipeline/sink/site-layout-tables.js';
import { DEMO_SITE_FILE, loadSiteLayout } from '../../../runtime/site-file.js';
import { testPool, testSchema } from './storage-fixtures.js';

describe('saveSiteLayout', () => {
  // Regression: sinks starting together on a new schema failed on site_zones_pkey (both deleted,
  // then both inserted the same zones).
  test('several sinks saving the layout at once all succeed and leave one copy', async () => {
    const pool = testPool(undefined, 6);
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const site = await loadSiteLayout(DEMO_SITE_FILE);
    await Promise.all(Array.from({ length: 5 }, () => saveSiteLayout(pool, schema, site)));
    const zones = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".site_zones WHERE site = $1`,
      [site.site],
    );
    const antennas = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".site_antennas WHERE site = $1`,
      [site.site],
    );
    expect(Number(zones.rows[0]!.n)).toBe(site.zones.length);
    expect(Number(antennas.rows[0]!.n)).toBe(site.antennas.length);
  });
});
