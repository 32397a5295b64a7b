import type pg from 'pg';
import type { SiteLayout } from '../../schemas/index.js';
import { withTransaction } from './database.js';
import { qualify } from './sql-identifier.js';

/**
 * Store a site layout's zones (with their customs dwell limits and SGLNs) and antennas in
 * `site_zones` / `site_antennas`, replacing what the site had, so dashboards can name zones, compare
 * dwell with limits and list antennas that never read. Idempotent; one transaction.
 */
export async function saveSiteLayout(pool: pg.Pool, schema: string, site: SiteLayout): Promise<void> {
  const zones = qualify(schema, 'site_zones');
  const antennas = qualify(schema, 'site_antennas');
  await withTransaction(pool, async (client) => {
    // Sinks that start together each replace the layout: take turns, or two inserts of the same
    // zones collide on the primary key after both deleted.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `bondtrack/${schema}/site-layout/${site.site}`,
    ]);
    await client.query(`DELETE FROM ${zones} WHERE site = $1`, [site.site]);
    await client.query(`DELETE FROM ${antennas} WHERE site = $1`, [site.site]);
    await client.query(
      `INSERT INTO ${zones} (site, zone, name, kind, bonded, sgln, dwell_limit_s)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::integer[])`,
      [
        site.site,
        site.zones.map((z) => z.id),
        site.zones.map((z) => z.name),
        site.zones.map((z) => z.kind),
        site.zones.map((z) => z.bonded),
        site.zones.map((z) => z.sgln ?? null),
        site.zones.map((z) => site.customs.dwellLimitsSec[z.id] ?? null),
      ],
    );
    await client.query(
      `INSERT INTO ${antennas} (site, reader_id, antenna, zone, role)
       SELECT $1, * FROM unnest($2::text[], $3::integer[], $4::text[], $5::text[])`,
      [
        site.site,
        site.antennas.map((a) => a.reader),
        site.antennas.map((a) => a.port),
        site.antennas.map((a) => a.zone),
        site.antennas.map((a) => a.role),
      ],
    );
  });
}
