import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MQTT_URL, loadConfig } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';
import {
  GEN2_SESSIONS,
  PROFILES,
  createSimulation,
  readerBehavioursFromSpecs,
  loadScenario,
  openReaderPtys,
  paceSimulation,
  runSimulatorToSerial,
  type Gen2Session,
  type ProfileName,
  type SimulatedRead,
  type Simulation,
} from '../../simulators/index.js';
import {
  LINE_FORMATS,
  PAYLOAD_FORMATS,
  ReaderTextFormatter,
  openHttpTarget,
  openLlrpTarget,
  openMqttTarget,
  openSerialTarget,
  type EmitTarget,
} from '../../simulators/emit-targets.js';
import type { SimulatedFormat } from '../../simulators/formats/index.js';

interface SimulateFlags {
  site?: string;
  manifest?: string;
  customs: string | false | undefined;
  schedule: string | false | undefined;
  seed: number;
  duration: number;
  speed?: number;
  start?: number;
  pallets?: number;
  profile: ProfileName;
  timeScale?: number;
  truth?: string;
  session?: Gen2Session;
  missRate?: number;
  clockSkew?: string[];
  outage?: string[];
  customsOut?: string;
  out?: 'jsonl' | 'none';
  serialLinks?: string;
  backpressure: 'wait' | 'drop';
  format?: SimulatedFormat;
  tz: string;
  mqttUrl?: string;
  emitMqttTopic?: string;
  emitHttp?: string;
  emitLlrp?: string;
}

function number(what: string, check: (n: number) => boolean): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new InvalidArgumentError(`${what}, got "${value}"`);
    return n;
  };
}

/** µs since the epoch from an ISO 8601 time or a plain integer of µs. */
function parseStart(value: string): number {
  if (/^\d+$/.test(value)) {
    if (Number(value) % 1000 !== 0)
      throw new InvalidArgumentError(`must be whole milliseconds (µs ending in 000), got "${value}"`);
    return Number(value);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError(`must be an ISO 8601 time or µs since the epoch, got "${value}"`);
  return ms * 1000;
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .summary('run the simulated bonded zone: readers, pallets and ground truth')
    .description(
      'Simulate the readers of a site while pallets move through it (entry portal, dock, storage, ' +
        'inspection, staging, exit portal), with the customs decisions and incidents of the seeds. ' +
        'Reads carry virtual time; the same seed and --start give byte-identical output.\n\n' +
        '--out jsonl prints one {"readerId":…,"read":{TagRead}} line per read on stdout. ' +
        '--serial-links DIR creates one pseudo-terminal per reader, linked as DIR/<readerId>, and writes ' +
        "each reader's reads there as jsonl lines (or --format) in real time: point the serial adapter at DIR/<readerId>. " +
        '--format with --emit-mqtt-topic or --emit-http sends native reader payloads instead. ' +
        'A summary goes to stderr at the end; Ctrl-C stops cleanly.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ bondtrack simulate --profile test --duration 60 --pallets 20 --truth truth.jsonl > reads.jsonl\n' +
        '  $ bondtrack simulate --serial-links /tmp/bt-readers --duration 0     # until Ctrl-C, real time\n' +
        '  $ bondtrack simulate --serial-links /tmp/bt-readers --format alien-text --tz Asia/Shanghai\n' +
        "  $ bondtrack simulate --format impinj-iot --emit-http 'http://127.0.0.1:8088/readers/{readerId}'\n",
    )
    .option(
      '--site <file>',
      'site layout, YAML or JSON (default: env BONDTRACK_SITE, else seeds/demo-site.yaml)',
    )
    .option('--manifest <file>', 'pallet manifest (default: seeds/demo-manifest.json)')
    .option('--customs <file>', 'customs declarations seed (default: seeds/demo-customs.json)')
    .option('--no-customs', 'no customs decisions: nothing is released, no pallet leaves')
    .option('--schedule <file>', 'truck arrivals and incidents (default: seeds/demo-schedule.json)')
    .option('--no-schedule', 'no schedule: trucks are generated from the seed')
    .option(
      '--seed <n>',
      'random seed; the same seed gives the same run',
      number('must be an integer', Number.isInteger),
      1,
    )
    .option(
      '--duration <seconds>',
      'virtual seconds to simulate; 0 runs until interrupted',
      number('must be ≥ 0', (n) => n >= 0),
      600,
    )
    .option(
      '--speed <x>',
      'virtual seconds per real second; 0 = as fast as possible (default: 1 with --serial-links, else 0)',
      number('must be ≥ 0', (n) => n >= 0),
    )
    .option('--start <time>', 'virtual start, ISO 8601 or µs since the epoch (default: now)', parseStart)
    .option(
      '--pallets <n>',
      'simulate only the first N pallets in arrival order',
      number('must be a positive integer', (n) => Number.isInteger(n) && n > 0),
    )
    .addOption(
      new Option('--profile <name>', 'flow speed: demo (minutes per zone) or test (seconds)')
        .choices(Object.keys(PROFILES))
        .default('demo'),
    )
    .option(
      '--time-scale <x>',
      "multiply the seeds' offsets by X (default: the profile's)",
      number('must be > 0', (n) => n > 0),
    )
    .option('--truth <file>', 'write ground truth as JSONL to FILE as it happens')
    .addOption(
      new Option(
        '--session <S>',
        "Gen2 session of every reader: S0 re-reads tags every round, S1 after 0.5-5 s, S2/S3 once while in the field (default: the profile's, S0)",
      ).choices(GEN2_SESSIONS),
    )
    .option(
      '--miss-rate <p>',
      'share of reads lost after the RF model (default 0)',
      number('must be in [0, 1)', (n) => n >= 0 && n < 1),
    )
    .option(
      '--clock-skew <reader=ms>',
      "a reader's clock runs MS ahead (negative: behind); repeatable; recorded in the truth",
      (value: string, all: string[] | undefined) => [...(all ?? []), value],
    )
    .option(
      '--outage <reader=from-to>',
      'a reader is down FROM-TO seconds after the start; repeatable; recorded in the truth',
      (value: string, all: string[] | undefined) => [...(all ?? []), value],
    )
    .option(
      '--customs-out <file>',
      'write the customs decisions (CustomsStatus, absolute times) as JSONL to FILE as they fall due',
    )
    .addOption(
      new Option(
        '--out <format>',
        'reads on stdout (default: jsonl without --serial-links, else none)',
      ).choices(['jsonl', 'none']),
    )
    .option(
      '--serial-links <dir>',
      'one pty per reader, linked as DIR/<readerId>; reads written there as jsonl lines',
    )
    .addOption(
      new Option(
        '--backpressure <mode>',
        'serial links that are not read: drop reads past a 100 000-read queue per reader, or wait (holds the whole run)',
      )
        .choices(['drop', 'wait'])
        .default('drop'),
    )
    .addOption(
      new Option(
        '--format <format>',
        'what readers send: a line format on --serial-links (default jsonl), or a native payload ' +
          'format with --emit-mqtt-topic / --emit-http',
      ).choices([...LINE_FORMATS, ...PAYLOAD_FORMATS]),
    )
    .option('--tz <zone>', 'IANA zone Alien readers print local time in', 'UTC')
    .option(
      '--emit-mqtt-topic <template>',
      "publish each reader's payloads (QoS 1) to this topic, {readerId} expanded, e.g. 'readers/{readerId}/events'",
    )
    .option('--mqtt-url <url>', 'broker for --emit-mqtt-topic (default: env MQTT_URL, else config)')
    .option(
      '--emit-http <url>',
      "POST each reader's payloads to URL, {readerId} expanded, e.g. http://127.0.0.1:8088/readers/{readerId}",
    )
    .option(
      '--emit-llrp <host:port>',
      'serve an emulated LLRP reader per site reader on HOST:PORT, PORT+1, … (port 0: free ports), listed on stderr; ' +
        'at the end, waits for `bondtrack adapter llrp` to read every tag',
    )
    .action(async (flags: SimulateFlags) => {
      await simulate(flags);
    });
}

/** The one place reads go besides stdout, checked against --format. */
type Emit = 'serial' | 'mqtt' | 'http' | 'llrp' | undefined;

function chooseEmit(flags: SimulateFlags): Emit {
  const chosen = [
    flags.serialLinks === undefined ? undefined : ('serial' as const),
    flags.emitMqttTopic === undefined ? undefined : ('mqtt' as const),
    flags.emitHttp === undefined ? undefined : ('http' as const),
    flags.emitLlrp === undefined ? undefined : ('llrp' as const),
  ].filter((e) => e !== undefined);
  if (chosen.length > 1)
    throw new ConfigError('use one of --serial-links, --emit-mqtt-topic, --emit-http, --emit-llrp');
  const emit = chosen[0];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: flags.tz });
  } catch {
    throw new ConfigError(`--tz must be an IANA time zone such as Asia/Shanghai, got "${flags.tz}"`);
  }
  const format = flags.format;
  if (format === undefined) {
    if (emit === 'mqtt' || emit === 'http')
      throw new ConfigError(`--format is required with --emit-${emit === 'mqtt' ? 'mqtt-topic' : 'http'}`);
    return emit;
  }
  if (emit === 'llrp') throw new ConfigError('--emit-llrp sends LLRP tag reports, not --format');
  const isLine = (LINE_FORMATS as readonly string[]).includes(format);
  if (emit === undefined)
    throw new ConfigError('--format needs --serial-links, --emit-mqtt-topic or --emit-http');
  if (emit === 'serial' && !isLine)
    throw new ConfigError(`--serial-links prints a line format (${LINE_FORMATS.join(', ')}), got ${format}`);
  if (emit !== 'serial' && isLine)
    throw new ConfigError(
      `--emit-${emit} sends a payload format (${PAYLOAD_FORMATS.join(', ')}), got ${format}`,
    );
  return emit;
}

async function simulate(flags: SimulateFlags): Promise<void> {
  const emit = chooseEmit(flags);
  const out = flags.out ?? (emit === undefined ? 'jsonl' : 'none');
  const pace = {
    durationSec: flags.duration === 0 ? Infinity : flags.duration,
    speed: flags.speed ?? (emit === undefined ? 0 : 1),
  };
  const config = await loadConfig({ siteFile: flags.site, mqttUrl: flags.mqttUrl });
  const scenario = await loadScenario({
    siteFile: config.siteFile,
    manifestFile: flags.manifest,
    customsFile: flags.customs,
    scheduleFile: flags.schedule,
  });
  const startUs = flags.start ?? Date.now() * 1000;
  const simulation = createSimulation({
    ...scenario,
    seed: flags.seed,
    startUs,
    palletCount: flags.pallets,
    profile: flags.profile,
    timeScale: flags.timeScale,
    truthFile: flags.truth,
    session: flags.session,
    missProbability: flags.missRate,
    readers: readerBehavioursFromSpecs({ clockSkews: flags.clockSkew, outages: flags.outage }, startUs),
  });

  const customsOut = flags.customsOut === undefined ? undefined : openSync(flags.customsOut, 'w');
  // Synchronous like the truth file: complete whenever a step returns, few records per pallet.
  const writeDueCustoms = (): void => {
    if (customsOut === undefined) return;
    for (const status of simulation.takeDueCustoms()) writeSync(customsOut, `${JSON.stringify(status)}\n`);
  };

  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `bondtrack simulate | head` closes stdout early (EPIPE): stop quietly. Other errors stop too,
  // and are reported once the ports are closed.
  let stdoutError: NodeJS.ErrnoException | undefined;
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') stdoutError = err;
    stop();
  };
  process.stdout.on('error', onStdoutError);
  const printReads = async (reads: readonly SimulatedRead[]): Promise<void> => {
    if (out !== 'jsonl' || reads.length === 0 || controller.signal.aborted) return;
    const text = reads.map((r) => `${JSON.stringify({ readerId: r.readerId, read: r.read })}\n`).join('');
    if (!process.stdout.write(text))
      await once(process.stdout, 'drain', { signal: controller.signal }).catch(() => undefined);
  };

  let readsByReader: Record<string, number> = {};
  let readsDropped = 0;
  try {
    if (emit !== undefined && (emit !== 'serial' || (flags.format ?? 'jsonl') !== 'jsonl')) {
      // Any format but jsonl on ptys goes through an emit target, lossless (the run waits for it).
      const formatter = new ReaderTextFormatter(flags.format ?? 'jsonl', flags.tz);
      const readerIds = scenario.site.readers.map((r) => r.id);
      let ptys: Awaited<ReturnType<typeof openReaderPtys>> | undefined;
      let target: EmitTarget;
      if (emit === 'serial') {
        ptys = await openReaderPtys(flags.serialLinks!, readerIds);
        process.stderr.write(
          `bondtrack simulate: ${ptys.pairs.size} readers linked in ${flags.serialLinks}/ (${formatter.format})\n`,
        );
        const paths = new Map([...ptys.pairs].map(([id, pair]) => [id, pair.readerPath]));
        target = await openSerialTarget(paths, formatter).catch(async (err: unknown) => {
          await ptys?.close();
          throw err;
        });
      } else if (emit === 'mqtt') {
        target = await openMqttTarget(config.mqttUrl ?? DEFAULT_MQTT_URL, flags.emitMqttTopic!, formatter);
      } else if (emit === 'llrp') {
        const at = flags.emitLlrp!.lastIndexOf(':');
        const basePort = Number(flags.emitLlrp!.slice(at + 1));
        if (at <= 0 || !Number.isInteger(basePort) || basePort < 0 || basePort > 65_535)
          throw new ConfigError(`--emit-llrp must be HOST:PORT, got "${flags.emitLlrp}"`);
        const llrp = await openLlrpTarget({ readerIds, host: flags.emitLlrp!.slice(0, at), basePort });
        const listing = llrp.fleet.describe().map((line) => `  llrp ${line}\n`);
        process.stderr.write(`bondtrack simulate: ${readerIds.length} LLRP readers\n${listing.join('')}`);
        target = llrp.target;
      } else {
        target = openHttpTarget(flags.emitHttp!, formatter);
      }
      let closing: Promise<void> | undefined;
      const closeTarget = (): Promise<void> => (closing ??= target.close());
      // Closing frees a send held by a pty nobody reads.
      const onAbort = (): void => void closeTarget().catch(() => undefined);
      controller.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await paceSimulation(simulation, { ...pace, signal: controller.signal }, async (reads) => {
          const byReader = new Map<string, SimulatedRead['read'][]>();
          for (const { readerId, read } of reads) {
            readsByReader[readerId] = (readsByReader[readerId] ?? 0) + 1;
            const list = byReader.get(readerId);
            if (list) list.push(read);
            else byReader.set(readerId, [read]);
          }
          // Printed first: what stdout shows was sent, or not sent at all once stopped.
          writeDueCustoms();
          await printReads(reads);
          if (controller.signal.aborted) return;
          await Promise.all([...byReader].map(([readerId, list]) => target.send(readerId, list)));
        });
      } catch (err) {
        // A send cut short by Ctrl-C is the stop, not a failure.
        if (!controller.signal.aborted) throw err;
      } finally {
        controller.signal.removeEventListener('abort', onAbort);
        await closeTarget();
        await ptys?.close();
      }
    } else if (flags.serialLinks !== undefined) {
      const ptys = await openReaderPtys(
        flags.serialLinks,
        scenario.site.readers.map((r) => r.id),
      );
      process.stderr.write(
        `bondtrack simulate: ${ptys.pairs.size} readers linked in ${flags.serialLinks}/\n`,
      );
      try {
        const summary = await runSimulatorToSerial({
          simulation,
          ports: ptys.pairs,
          ...pace,
          backpressure: flags.backpressure,
          signal: controller.signal,
          onStep: ({ reads }) => {
            writeDueCustoms();
            return printReads(reads);
          },
        });
        readsByReader = summary.readsWritten;
        readsDropped = Object.values(summary.readsDropped).reduce((a, b) => a + b, 0);
      } finally {
        await ptys.close();
      }
    } else {
      await paceSimulation(simulation, { ...pace, signal: controller.signal }, async (reads) => {
        for (const { readerId } of reads) readsByReader[readerId] = (readsByReader[readerId] ?? 0) + 1;
        writeDueCustoms();
        await printReads(reads);
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onStdoutError);
    simulation.close();
    if (customsOut !== undefined) closeSync(customsOut);
  }
  if (stdoutError) throw stdoutError;
  process.stderr.write(summarize(simulation, readsByReader, readsDropped, flags.truth));
}

function summarize(
  simulation: Simulation,
  readsByReader: Record<string, number>,
  dropped: number,
  truthFile: string | undefined,
): string {
  const seconds = (simulation.nowUs - simulation.startUs) / 1_000_000;
  const total = Object.values(readsByReader).reduce((a, b) => a + b, 0);
  const perReader = Object.entries(readsByReader)
    .map(([id, n]) => `${id} ${n}`)
    .join(', ');
  const crossings = simulation.truth.filter((e) => e.kind === 'GATE_CROSSED');
  const occupancy = Object.entries(simulation.occupancy())
    .map(([zone, epcs]) => `${zone} ${epcs.length}`)
    .join(', ');
  return (
    `bondtrack simulate: ${seconds.toFixed(1)} virtual s from ${new Date(simulation.startUs / 1000).toISOString()}, ` +
    `${total} reads (${perReader || 'none'})${dropped > 0 ? `, ${dropped} dropped by readers nobody read` : ''}\n` +
    `  gate crossings: ${crossings.filter((e) => e.kind === 'GATE_CROSSED' && e.direction === 'IN').length} in, ` +
    `${crossings.filter((e) => e.kind === 'GATE_CROSSED' && e.direction === 'OUT').length} out; ` +
    `pallets on site now: ${occupancy || 'none'}\n` +
    (truthFile ? `  truth: ${simulation.truth.length} events in ${truthFile}\n` : '')
  );
}
