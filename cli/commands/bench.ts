import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { formatReport } from '../../bench/pipeline/report.js';
import { runBench } from '../../bench/pipeline/run-bench.js';
import { DEFAULT_DATABASE_URL, DEFAULT_MQTT_URL } from '../../runtime/config.js';
import { configFromFlags } from '../connection-options.js';

interface BenchFlags {
  config?: string;
  mqttUrl?: string;
  kafkaBrokers?: string;
  databaseUrl?: string;
  readers: number;
  rate: number | 'max';
  duration: number;
  batch: number;
  inFlight: number;
  maxBacklog: number;
  externalMqtt: boolean;
  pallets: number;
  moves: number;
  drainTimeout: number;
  baselines: boolean;
  synchronousCommit: boolean;
  keep: boolean;
  json: boolean;
  progress: boolean;
  cpuProf?: string;
}

function profileDir(dir: string): string {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  return path;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function rateOrMax(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError("--rate must be a positive integer or 'max'");
  return n;
}

export function benchCommand(): Command {
  const command = new Command('bench')
    .summary('flood the whole pipeline on the real services and measure it against raw baselines')
    .description(
      'N simulated readers × R reads/s for D seconds: ReadBatches published straight to MQTT (QoS 1, ' +
        'capped in flight), through bridge, dedup, locate and sink run as child processes, into ' +
        'PostgreSQL. Reports reads/s, loss and duplicates in the raw topic, deciding read → stored zone event ' +
        'latency (and hop by hop: broker+bridge, dedup, locate, sink), CPU and peak RSS per component, ' +
        'each stage under load (input/s, peak lag, lag growth/s, CPU cores), how long each stage took ' +
        "to drain, the throughput and latency bottleneck stages, the issue's goals met or not, " +
        'and raw baselines (kafkajs consume, COPY, MQTT publish/subscribe) with ours ÷ raw, and a ' +
        'catch-up: dedup, locate and sink again from nothing over the same raw topic with nothing ' +
        'else running, the like-for-like counterpart of the raw consume, with CPU per read per stage and ' +
        "where the machine's cores went in its full flow (the stages, PostgreSQL, Kafka, the rest), " +
        'against the CPU per read that ours ÷ raw consume ≥ 0.5 would allow on those cores. Latency ' +
        'is from the deciding read (the newest read of the evidence locate decided on) to the stored ' +
        'zone event, for the events decided on reads of the steady half of the load (the window the ' +
        'rates are taken over), and again over the whole run, start-up included. --rate max measures capacity: publish as fast as the bridge takes it. By default ' +
        "the bench starts its own Mosquitto on a free loopback port with deploy/mosquitto's queue " +
        'limits (max_queued_messages 200000), because a stock Mosquitto drops QoS 1 messages past ' +
        '1000 queued per session; --external-mqtt (or --mqtt-url) uses an existing broker instead. ' +
        'Topics, schema and site id are random and removed afterwards. See docs/benchmark.md.',
    )
    .addOption(new Option('--config <file>', 'config file, YAML or JSON (env BONDTRACK_CONFIG)'))
    .addOption(
      new Option(
        '--mqtt-url <url>',
        'use this MQTT broker instead of a private one (implies --external-mqtt; env MQTT_URL with --external-mqtt)',
      ),
    )
    .addOption(
      new Option(
        '--external-mqtt',
        "use the configured MQTT broker (--mqtt-url, MQTT_URL, config) instead of starting the bench's own",
      ).default(false),
    )
    .addOption(
      new Option('--kafka-brokers <list>', 'Kafka bootstrap servers, host:port,… (env KAFKA_BROKERS)'),
    )
    .addOption(new Option('--database-url <url>', 'PostgreSQL/TimescaleDB URL (env DATABASE_URL)'))
    .addOption(
      new Option('--readers <n>', 'simulated readers').argParser(positiveInt('--readers')).default(20),
    )
    .addOption(
      new Option('--rate <n|max>', "reads per second per reader, or 'max': as fast as the bridge takes them")
        .argParser(rateOrMax)
        .default(1000),
    )
    .addOption(
      new Option('--duration <s>', 'seconds of load').argParser(positiveInt('--duration')).default(30),
    )
    .addOption(
      new Option('--batch <n>', 'reads per ReadBatch').argParser(positiveInt('--batch')).default(200),
    )
    .addOption(
      new Option('--in-flight <n>', 'QoS 1 publishes awaiting PUBACK')
        .argParser(positiveInt('--in-flight'))
        .default(64),
    )
    .addOption(
      new Option('--max-backlog <n>', 'with --rate max: batches published but not yet in Kafka, at most')
        .argParser(positiveInt('--max-backlog'))
        .default(1000),
    )
    .addOption(
      new Option('--pallets <n>', 'pallets per zone (one zone per reader)')
        .argParser(positiveInt('--pallets'))
        .default(50),
    )
    .addOption(
      new Option('--moves <n>', 'pallets moved to another zone per second')
        .argParser(positiveInt('--moves'))
        .default(20),
    )
    .addOption(
      new Option('--drain-timeout <s>', 'longest wait for the stages to drain')
        .argParser(positiveInt('--drain-timeout'))
        .default(120),
    )
    .addOption(
      new Option(
        '--no-baselines',
        'skip the raw COPY and MQTT baselines and the catch-up (the raw topic is still counted)',
      ),
    )
    .addOption(
      new Option(
        '--synchronous-commit',
        "run the sink with --synchronous-commit: each COMMIT waits for PostgreSQL's WAL flush (default: asynchronous commit, offsets committed once the flush passes)",
      ).default(false),
    )
    .addOption(new Option('--keep', 'keep the topics and the schema').default(false))
    .addOption(new Option('--json', 'print one JSON object instead of the table').default(false))
    .addOption(new Option('--no-progress', 'no progress bar on stderr'))
    .addOption(
      new Option(
        '--cpu-prof <dir>',
        "write each stage's V8 CPU profile into DIR when it stops (STAGE.cpuprofile; open in Chrome DevTools)",
      ),
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  bondtrack bench --readers 50 --rate 2000 --duration 60 --json    # 100k reads/s offered\n' +
        '  bondtrack bench --readers 50 --rate max --duration 60 --json     # capacity\n' +
        '  bondtrack bench --external-mqtt --readers 10 --rate 1000         # on the MQTT_URL broker\n',
    );
  command.action(async (flags: BenchFlags) => {
    const config = await configFromFlags({
      config: flags.config,
      mqttUrl: flags.mqttUrl,
      kafkaBrokers: flags.kafkaBrokers,
      databaseUrl: flags.databaseUrl,
    });
    const bar = flags.progress
      ? new cliProgress.SingleBar(
          {
            format: '{phase} [{bar}] {percentage}% {value}/{total}',
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    let currentPhase = '';
    const result = await runBench({
      readers: flags.readers,
      rate: flags.rate,
      durationSec: flags.duration,
      batch: flags.batch,
      maxInFlight: flags.inFlight,
      maxBacklog: flags.maxBacklog,
      palletsPerZone: flags.pallets,
      movesPerSec: flags.moves,
      drainTimeoutSec: flags.drainTimeout,
      baselines: flags.baselines,
      keep: flags.keep,
      synchronousCommit: flags.synchronousCommit,
      cpuProfileDir: flags.cpuProf === undefined ? undefined : profileDir(flags.cpuProf),
      broker: flags.externalMqtt || flags.mqttUrl !== undefined ? 'external' : 'private',
      mqttUrl: config.mqttUrl ?? DEFAULT_MQTT_URL,
      kafkaBrokers: config.kafkaBrokers,
      databaseUrl: config.databaseUrl ?? DEFAULT_DATABASE_URL,
      onPhase: (phase, done, total) => {
        if (!bar) return;
        if (phase !== currentPhase) {
          if (currentPhase) bar.stop();
          currentPhase = phase;
          bar.start(total, done, { phase: phase.padEnd(17) });
        } else bar.update(done);
      },
    }).finally(() => bar?.stop());
    process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : formatReport(result));
  });
  return command;
}
