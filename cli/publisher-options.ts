import { type Command, InvalidArgumentError, Option } from 'commander';

/** Flags every adapter shares, because every adapter publishes through `adapters/publish/`. */
export interface PublisherFlags {
  queueDir?: string;
  queueMaxMb?: number;
  queueFull?: 'block' | 'drop-oldest';
  healthIntervalS: number;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

export function addPublisherOptions(command: Command): Command {
  return command
    .option(
      '--queue-dir <dir>',
      'keep unacknowledged batches on disk here; replayed after an outage or restart',
    )
    .option('--queue-max-mb <n>', 'on-disk queue limit in MiB (default 256)', nonNegativeInteger)
    .addOption(
      new Option(
        '--queue-full <policy>',
        'when the on-disk queue is full: stop reading, or drop the oldest',
      ).choices(['block', 'drop-oldest']),
    )
    .option(
      '--health-interval-s <n>',
      'republish reader status with per-antenna read rates every n s (0: off)',
      nonNegativeInteger,
      0,
    );
}

/** The publisher settings those flags stand for, in the shape the adapters' options take. */
export function publisherSettingsFrom(flags: PublisherFlags): {
  queueDir?: string;
  queueMaxBytes?: number;
  queueFullPolicy?: 'block' | 'drop-oldest';
  healthIntervalMs: number;
} {
  return {
    ...(flags.queueDir === undefined ? {} : { queueDir: flags.queueDir }),
    ...(flags.queueMaxMb === undefined ? {} : { queueMaxBytes: flags.queueMaxMb * 1_048_576 }),
    ...(flags.queueFull === undefined ? {} : { queueFullPolicy: flags.queueFull }),
    healthIntervalMs: flags.healthIntervalS * 1000,
  };
}
