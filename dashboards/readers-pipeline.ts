import { SITE_VARIABLE, type DashboardSpec } from './dashboard-model.js';

/**
 * Readers and pipeline (issue 6): reads per reader and antenna, silent antennas, reader states,
 * dead-letter rate, consumer lag. Lag lives in Kafka; the sink's process samples it into the
 * `consumer_lag` table (pipeline/sink/consumer-lag-recorder.ts), which this dashboard reads.
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
      title: 'Reader outages and lost batches',
      type: 'table',
      w: 24,
      description:
        'READER_DOWN (adapter offline or reader silent) and READER_GAP (ReadBatches that never reached ' +
        'the bridge: details give the boot and the missing seq range).',
      sql: `
SELECT at, reader_id, kind, severity, details
FROM alert_log
WHERE site = '$site' AND kind IN ('READER_DOWN', 'READER_GAP') AND $__timeFilter(at)
ORDER BY at DESC`,
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
    {
      title: 'Consumer lag',
      type: 'timeseries',
      w: 24,
      description:
        'Records each stage group has not committed yet, per input topic (all partitions summed; ' +
        'the highest sample of each partition in the interval). Growing lag: a stage is stuck or too slow.',
      sql: `
SELECT time, metric, sum(lag) AS lag
FROM (
  SELECT $__timeGroupAlias(at, $__interval), group_id || ' ← ' || topic AS metric, partition, max(lag) AS lag
  FROM consumer_lag_log
  WHERE $__timeFilter(at)
  GROUP BY 1, 2, 3
) per_partition
GROUP BY 1, 2 ORDER BY 1`,
    },
  ],
};
