import { Command, InvalidArgumentError, Option } from 'commander';
import { startPipeline } from '../../pipeline/pipeline.js';
import { createKafka } from '../../pipeline/runtime/kafka.js';
import { copyRawReads, waitUntilQuiet, type ReplayLayout } from '../../pipeline/runtime/replay.js';
import { DEFAULT_DATABASE_URL } from '../../runtime/config.js';
import { describeError } from '../../runtime/errors.js';
import { createLogger } from '../../runtime/logger.js';
import { DEMO_MANIFEST_FILE, DEMO_SITE_FILE, loadManifest, loadSiteLayout } from '../../runtime/site-file.js';
import { addConnectionOptions, configFromFlags, type ConnectionFlags } from '../connection-options.js';

interface ReplayFlags extends ConnectionFlags {
  fromPrefix: string;
  manifest?: string;
  quietSeconds: number;
  timeoutSeconds: number;
  layout: ReplayLayout;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

export function replayCommand(): Command {
  const command = new Command('replay')
    .summary('rebuild the tracks from the raw-reads topic, e.g. with a changed site layout')
    .description(
      'Copy the raw-reads topic of --from-prefix into the fresh prefix --topic-prefix and run dedup → ' +
        'locate → sink over it with --site (the layout to rebuild the tracks with) into --schema, until ' +
        'everything is processed; then print a JSON summary. The source prefix and its tables are not ' +
        'touched. Event time throughout, deterministic ids: the same input and layout give the same rows. ' +
        'The copy is ONE partition, the source partitions merged by batch send time (each keeps its ' +
        'order), so one dedup worker sees every reader in send-time order and the rebuild scores as ' +
        'a paced run does (docs/pipeline.md, Accuracy). A replay is a batch job: ONE dedup worker; ' +
        'more on the target prefix would stay idle. The source is held in memory while it is copied.',
    )
    .requiredOption('--from-prefix <prefix>', 'topic prefix whose raw reads are replayed')
    .addOption(new Option('--manifest <file>', 'pallet manifest (default: the demo one with the demo site)'))
    .addOption(
      new Option(
        '--layout <layout>',
        'merged: one partition in send-time order (the accurate rebuild); partitions: the source ' +
          'partitions one to one, interleaved by processing time as the live pipeline saw them (to ' +
          'compare a live run with a replay of its log like for like)',
      )
        .choices(['merged', 'partitions'])
        .default('merged'),
    )
    .addOption(
      new Option('--quiet-seconds <s>', 'done when nothing new was produced for this long')
        .argParser(positive)
        .default(8),
    )
    .addOption(
      new Option('--timeout-seconds <s>', 'give up after this long').argParser(positive).default(3600),
    )
    .addHelpText(
      'after',
      '\nExample:\n  bondtrack replay --from-prefix bondtrack --topic-prefix replay1 --schema replay1 --site new-site.yaml\n',
    );
  addConnectionOptions(command, { mqtt: false });
  command.action(async (flags: ReplayFlags) => {
    if (!flags.topicPrefix) command.error('error: --topic-prefix (the fresh target prefix) is required');
    if (!flags.schema) command.error('error: --schema (the fresh target schema) is required');
    if (flags.topicPrefix === flags.fromPrefix)
      command.error('error: --topic-prefix must differ from --from-prefix');
    const config = await configFromFlags(flags);
    const log = createLogger('replay', { from: flags.fromPrefix, to: config.topicPrefix });
    const site = await loadSiteLayout(config.siteFile);
    const manifestFile =
      flags.manifest ?? (config.siteFile === DEMO_SITE_FILE ? DEMO_MANIFEST_FILE : undefined);
    const manifest = manifestFile ? await loadManifest(manifestFile) : undefined;
    const kafka = createKafka(config.kafkaBrokers, 'bondtrack-replay', log);
    const startedMs = Date.now();
    const reads = await copyRawReads(kafka, flags.fromPrefix, config.topicPrefix, log, flags.layout);
    log.info({ reads }, 'raw reads copied');
    let fatal: unknown;
    const pipeline = await startPipeline({
      stages: ['dedup', 'locate', 'sink'],
      kafkaBrokers: config.kafkaBrokers,
      topicPrefix: config.topicPrefix,
      site,
      manifest,
      databaseUrl: config.databaseUrl ?? DEFAULT_DATABASE_URL,
      databaseSchema: config.databaseSchema,
      log,
      onFatal: (err) => {
        fatal = err;
      },
    });
    try {
      const progress = await waitUntilQuiet(kafka, config.topicPrefix, {
        quietMs: flags.quietSeconds * 1000,
        timeoutMs: flags.timeoutSeconds * 1000,
      });
      if (fatal !== undefined) throw new Error(`a stage failed: ${describeError(fatal)}`);
      process.stdout.write(
        `${JSON.stringify({
          from: flags.fromPrefix,
          to: config.topicPrefix,
          schema: config.databaseSchema,
          site: site.site,
          reads,
          ...progress,
          seconds: Math.round((Date.now() - startedMs) / 100) / 10,
        })}\n`,
      );
    } finally {
      await pipeline.stop();
    }
    setTimeout(() => process.exit(), 1_000).unref();
  });
  return command;
}
