import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  runAccuracyThroughKafka,
  UNPACED_LAYOUTS,
  type UnpacedLayout,
} from '../../pipeline/accuracy/kafka-accuracy.js';
import { runAccuracy, type AccuracyReport } from '../../pipeline/accuracy/run-accuracy.js';
import type { AccuracyScores } from '../../pipeline/accuracy/score.js';
import { createLogger } from '../../runtime/logger.js';
import { loadScenario } from '../../simulators/index.js';
import { addConnectionOptions, configFromFlags, type ConnectionFlags } from '../connection-options.js';

interface AccuracyFlags extends ConnectionFlags {
  throughKafka?: boolean;
  speed: number;
  unpaced?: UnpacedLayout;
  manifest?: string;
  customs: string | false | undefined;
  schedule: string | false | undefined;
  seed: number;
  duration: number;
  profile: 'demo' | 'test';
  noise: boolean;
  missRate: number;
  json?: boolean;
}

function number(what: string, check: (n: number) => boolean): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new InvalidArgumentError(`${what}, got "${value}"`);
    return n;
  };
}

export function accuracyCommand(): Command {
  const command = new Command('accuracy')
    .summary('score the pipeline against the simulator’s ground truth, next to a naive baseline')
    .description(
      'Simulate a scenario (virtual time, as fast as possible), run its reads through the pipeline ' +
        'operators (dedup → locate → rules, customs joined as it falls due) and through a naive ' +
        'baseline (zone of the strongest latest read), and score both against ground truth: ' +
        'zoneTimeAccuracy, transitionPrecision, transitionRecall, directionAccuracy, ' +
        'detectionDelayP95Ms, unreleasedExitRecall, falseUnreleasedExits. Noise on top of the RF ' +
        "model (cross-reads ~10 dB weaker are the simulator's): 5% missed reads, the first storage " +
        "zone's reader 2 s ahead, the inspection reader silent for 30 s. The same seed gives the same figures.",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ bondtrack accuracy --seed 1 --duration 1200 --json\n' +
        '  $ bondtrack accuracy --through-kafka --profile test --duration 120 --json\n' +
        '  $ bondtrack accuracy --through-kafka --unpaced replay --profile test --duration 120 --json\n',
    )
    .option('--manifest <file>', 'pallet manifest (default: seeds/demo-manifest.json)')
    .option('--customs <file>', 'customs declarations seed (default: seeds/demo-customs.json)')
    .option('--no-customs', 'no customs decisions')
    .option('--schedule <file>', 'truck arrivals and incidents (default: seeds/demo-schedule.json)')
    .option('--no-schedule', 'no schedule: trucks are generated from the seed')
    .option('--seed <n>', 'random seed', number('must be an integer', Number.isInteger), 1)
    .option(
      '--duration <seconds>',
      'virtual seconds to simulate',
      number('must be a positive integer', (n) => Number.isInteger(n) && n > 0),
      600,
    )
    .addOption(
      new Option('--profile <name>', 'flow speed: demo (minutes per zone) or test (seconds)')
        .choices(['demo', 'test'])
        .default('demo'),
    )
    .option('--no-noise', 'no missed reads, clock skew or outage on top of the RF model')
    .option(
      '--miss-rate <share>',
      'share of reads lost',
      number('must be in [0, 1)', (n) => n >= 0 && n < 1),
      0.05,
    )
    .option('--json', 'print the figures as one JSON object')
    .option(
      '--through-kafka',
      'run the dedup and locate stages as Kafka consumer groups on topics of a fresh prefix ' +
        '(deleted afterwards) and score what they produce; the delay is still measured in-process',
    )
    .option(
      '--speed <x>',
      'with --through-kafka: virtual seconds fed per second (faster floods skew locate, see docs)',
      number('must be > 0', (n) => n > 0),
      5,
    )
    .addOption(
      new Option(
        '--unpaced <layout>',
        'with --through-kafka: write every read before the stages start (no --speed), laid out as ' +
          'partitioned (the raw-reads topic’s usual partitions, keyed by reader) or replay (copied ' +
          'as `bondtrack replay` does: one partition, merged by send time)',
      ).choices(UNPACED_LAYOUTS),
    )
    .action(async (flags: AccuracyFlags) => {
      if (flags.unpaced && !flags.throughKafka) command.error('error: --unpaced needs --through-kafka');
      const config = await configFromFlags(flags);
      const scenario = await loadScenario({
        siteFile: config.siteFile,
        manifestFile: flags.manifest,
        customsFile: flags.customs,
        scheduleFile: flags.schedule,
      });
      const run = {
        scenario,
        seed: flags.seed,
        durationSec: flags.duration,
        profile: flags.profile,
        noise: flags.noise ? { missRate: flags.missRate } : (false as const),
      };
      const report = flags.throughKafka
        ? await runAccuracyThroughKafka({
            ...run,
            kafkaBrokers: config.kafkaBrokers,
            topicPrefix: `${config.topicPrefix}-accuracy-${randomBytes(4).toString('hex')}`,
            log: createLogger('accuracy'),
            speed: flags.speed,
            unpaced: flags.unpaced,
          })
        : runAccuracy(run);
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    });
  return addConnectionOptions(command, { mqtt: false, database: false });
}

const FIGURES: Array<keyof Omit<AccuracyScores, 'counts'>> = [
  'zoneTimeAccuracy',
  'transitionPrecision',
  'transitionRecall',
  'directionAccuracy',
  'detectionDelayP95Ms',
  'unreleasedExitRecall',
  'falseUnreleasedExits',
];

function formatReport(r: AccuracyReport): string {
  const lines = [
    `seed ${r.seed}, ${r.durationSec} s (${r.profile} profile), ${r.reads} reads → ${r.observations} observations`,
    `${'figure'.padEnd(24)}${'pipeline'.padStart(12)}${'baseline'.padStart(12)}`,
    ...FIGURES.map((k) => `${k.padEnd(24)}${String(r[k]).padStart(12)}${String(r.baseline[k]).padStart(12)}`),
  ];
  return `${lines.join('\n')}\n`;
}
