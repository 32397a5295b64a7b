import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { parseCustomsLines } from '../../pipeline/rules/customs-input.js';
import { deadLetterRecord } from '../../pipeline/runtime/dead-letters.js';
import { createKafka } from '../../pipeline/runtime/kafka.js';
import { createStageProducer } from '../../pipeline/runtime/producer.js';
import { ensureTopics } from '../../pipeline/runtime/topics.js';
import { createLogger } from '../../runtime/logger.js';
import { DEMO_MANIFEST_FILE, loadManifest, loadSiteLayout } from '../../runtime/site-file.js';
import { kafkaTopics } from '../../schemas/index.js';
import { DEMO_CUSTOMS_FILE, loadCustomsSeed, toCustomsStatuses } from '../../simulators/index.js';
import { addConnectionOptions, configFromFlags, type ConnectionFlags } from '../connection-options.js';

interface PublishFlags extends ConnectionFlags {
  file?: string;
  demoSeed?: boolean | string;
  start?: number;
  manifest?: string;
}

/** Exit code when some input lines were refused (sysexits EX_DATAERR); the rest was published. */
const EXIT_DATA_ERROR = 65;

function parseStart(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) / 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`must be ISO 8601 or µs, got "${value}"`);
  return Math.round(ms) * 1000;
}

export function customsCommand(): Command {
  const publish = new Command('publish')
    .summary('publish customs declarations, inspections, holds and releases to the customs topic')
    .description(
      'Publish CustomsStatus messages to {prefix}.customs.v1, keyed by EPC with the murmur2 ' +
        'partitioner (the same partition number as the pallet’s observations). Input: JSON lines ' +
        '(one CustomsStatus each) from --file or stdin, or the demo seed (--demo-seed), whose offsets ' +
        'are placed after --start. A status that names only an SSCC is resolved through the manifest. ' +
        `A bad line is reported on stderr with its reason, sent to {prefix}.dlq.v1, and the rest is ` +
        `still published; the exit code is then ${EXIT_DATA_ERROR}.`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ bondtrack customs publish --demo-seed\n' +
        '  $ echo \'{"v":1,"site":"WGQ-DEMO","epc":"…","declarationId":"D1","status":"RELEASED","atUs":…}\' | bondtrack customs publish\n',
    )
    .option('--file <file>', 'JSON lines of CustomsStatus (default: stdin)')
    .option('--demo-seed [file]', `publish a customs seed (default: ${DEMO_CUSTOMS_FILE})`)
    .option('--start <time>', 'with --demo-seed: time of offset 0, ISO 8601 or µs (default: now)', parseStart)
    .option('--manifest <file>', 'manifest resolving SSCCs to EPCs (default: seeds/demo-manifest.json)')
    .action(async (flags: PublishFlags) => {
      process.exitCode = await publishCustoms(flags);
    });
  return new Command('customs')
    .summary('customs status stream')
    .addCommand(addConnectionOptions(publish, { mqtt: false, database: false }));
}

async function publishCustoms(flags: PublishFlags): Promise<number> {
  const config = await configFromFlags(flags);
  const log = createLogger('customs');
  const manifest = await loadManifest(flags.manifest ?? DEMO_MANIFEST_FILE);
  const ssccToEpc = new Map(manifest.pallets.map((p) => [p.sscc, p.epc]));
  let text: string;
  if (flags.demoSeed !== undefined && flags.demoSeed !== false) {
    const seedFile = typeof flags.demoSeed === 'string' ? flags.demoSeed : DEMO_CUSTOMS_FILE;
    const site = await loadSiteLayout(config.siteFile);
    const statuses = toCustomsStatuses(await loadCustomsSeed(seedFile), {
      site: site.site,
      startUs: flags.start ?? Date.now() * 1000,
      timeScale: 1,
      ssccByEpc: new Map(manifest.pallets.map((p) => [p.epc, p.sscc])),
    });
    text = statuses.map((s) => JSON.stringify(s)).join('\n');
  } else if (flags.file !== undefined) {
    text = await readFile(flags.file, 'utf8');
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  const { records, rejected } = parseCustomsLines(text, ssccToEpc);
  for (const r of rejected)
    log.warn({ line: r.line, code: r.code, reason: r.reason }, 'customs line refused');

  const topics = kafkaTopics(config.topicPrefix);
  const kafka = createKafka(config.kafkaBrokers, 'bondtrack-customs', log);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topics);
  } finally {
    await admin.disconnect();
  }
  const producer = createStageProducer(kafka);
  await producer.connect();
  try {
    const atUs = Date.now() * 1000;
    const letters = rejected.map((r) =>
      deadLetterRecord(topics.dlq, {
        stage: 'customs',
        code: r.code,
        reason: `line ${r.line}: ${r.reason}`,
        payload: r.text,
        atUs,
      }),
    );
    await producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: topics.customs,
          messages: records.map((r) => ({ key: r.key, value: JSON.stringify(r.status) })),
        },
        { topic: topics.dlq, messages: letters.map((l) => ({ key: l.key, value: l.value })) },
      ].filter((t) => t.messages.length > 0),
    });
  } finally {
    await producer.disconnect();
  }
  process.stdout.write(
    `published ${records.length} customs statuses to ${topics.customs}; refused ${rejected.length}\n`,
  );
  return rejected.length > 0 ? EXIT_DATA_ERROR : 0;
}
