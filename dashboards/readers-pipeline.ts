import { SITE_VARIABLE, type DashboardSpec } from './dashboard-model.js';

/**
 * Readers and pipeline (issue 6): reads per reader and antenna, silent antennas, reader states,
 * dead-letter rate. Consumer lag is not in the database (Kafka has it), so it is not a panel here.
 */
export const readersPipeline: DashboardSpec = {
  uid: 'bondtrack-readers-pipeline',
  title: 'Bondtrack · Readers and pipeline',
  description: 'Is every antenna reading, and is the pipeline refusing input?',
  variables: [SITE_VARIABLE],
  panels: [
    {
      title: 'Reads per reader',
      type: 'timeseries',
      sql: `
SELECT $__timeGroupAlias(bucket, $__interval), reader_id AS metric, sum(reads) AS reads
FROM reader_reads_1m
WHERE site = '$site' AND $__timeFilter(bucket)
GROUP BY 1, 2 ORDER BY 1`,
    },
    {
      title: 'Reads per antenna',
      type: 'bargauge',
      sql: `
SELECT reader_id || ':' || antenna AS antenna, sum(reads) AS reads
FROM reader_reads_1m
WHERE site = '$site' AND $__timeFilter(bucket)
GROUP BY 1 ORDER BY 1`,
    },
    {
      title: 'Silent antennas',
      type: 'table',
      description: 'Configured antennas with no read in the last 10 minutes.',
      sql: `
SELECT reader_id, antenna, zone, role, last_read_minute
FROM antenna_activity
WHERE site = '$site' AND (last_read_minute IS NULL OR last_read_minute < now() - INTERVAL '10 minutes')
ORDER BY reader_id, antenna`,
    },
    {
      title: 'Reader states',
      type: 'table',
      sql: `
SELECT reader_id, state, at AS since, detail
FROM readers_current
WHERE site = '$site'
ORDER BY reader_id`,
    },
    {
      title: 'Dead-letter rate',
      type: 'timeseries',
      w: 24,
      description: 'Input refused by stage and error code (dead_letter_log; all sites).',
      sql: `
SELECT $__timeGroupAlias(at, $__interval), stage || ' ' || code AS metric, count(*) AS dead_letters
FROM dead_letter_log
WHERE $__timeFilter(at)
GROUP BY 1, 2 ORDER BY 1`,
    },
  ],
};
