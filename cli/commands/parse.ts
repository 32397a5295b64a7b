import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  FORMATS,
  StreamParser,
  type FormatName,
  type PositionedOutcome,
} from '../../adapters/formats/index.js';
import { SequenceGapDetector } from '../../adapters/native/index.js';

/** Format flags shared by `bondtrack parse` and the adapters. */
export interface FormatCliOptions {
  format: FormatName;
  tz: string;
  customFormat?: string;
  columns?: string[];
  delimiter?: string;
  antennaBase?: 0 | 1;
}

export function addFormatOptions(
  command: Command,
  defaultFormat?: FormatName,
  choices: readonly FormatName[] = FORMATS,
): Command {
  const format = new Option('--format <name>', 'input format').choices(choices);
  if (defaultFormat === undefined) format.makeOptionMandatory();
  else format.default(defaultFormat);
  return command
    .addOption(format)
    .option(
      '--tz <zone>',
      "reader's IANA time zone, for formats that print local time (alien-*, csv localTime)",
      'UTC',
    )
    .option(
      '--custom-format <tokens>',
      'alien-custom: the reader\'s TagListCustomFormat, e.g. "%k,%D %T,%r,%a"',
    )
    .option('--columns <list>', 'csv: column names in order, e.g. epc,antenna,rssiDbm,ts', (value: string) =>
      value.split(',').map((c) => c.trim()),
    )
    .option('--delimiter <char>', 'csv: field delimiter (default ",")')
    .addOption(
      new Option('--antenna-base <n>', 'csv: the antenna column counts from 0 or 1 (default 1)').argParser(
        (value: string) => {
          if (value !== '0' && value !== '1') throw new InvalidArgumentError('must be 0 or 1');
          return Number(value) as 0 | 1;
        },
      ),
    );
}

/** The flags as StreamParser / line-format settings. */
export function formatSettingsFrom(options: FormatCliOptions) {
  return {
    format: options.format,
    timeZone: options.tz,
    ...(options.customFormat === undefined ? {} : { customFormat: options.customFormat }),
    ...(options.columns === undefined ? {} : { csvColumns: options.columns }),
    ...(options.delimiter === undefined ? {} : { csvDelimiter: options.delimiter }),
    ...(options.antennaBase === undefined ? {} : { antennaBase: options.antennaBase }),
  };
}

const PARSE_HELP = `
Reads lines (jsonl, alien-text, alien-terse, alien-custom, csv) or JSON payloads (impinj-iot,
speedway-connect, zebra-iotc: one per line, pretty-printed, or a POST body) from standard input.
Prints each normalised TagRead as one JSON line on standard output, and each rejected input as
"<line|document> N: BT_CODE: reason" on standard error; header lines and heartbeats are skipped.
Zebra eventNum gaps are reported on standard error. Ends with a summary on standard error.
Exit code: 0 when every input was a read or skipped, 1 when some were rejected.

Examples:
  $ bondtrack parse --format alien-text --tz Asia/Shanghai < notification.txt
  $ bondtrack parse --format csv --columns epc,antenna,rssiDbm,ts < reads.csv
  $ bondtrack parse --format alien-custom --custom-format "%k,%D %T,%r,%a" --tz Europe/Berlin < tags.txt
  $ curl -sN http://r700/api/v1/data/stream | bondtrack parse --format impinj-iot
`;

export function parseCommand(): Command {
  return addFormatOptions(
    new Command('parse').description(
      "Check a reader's output: parse tag lines or payloads from stdin and print normalised TagReads",
    ),
  )
    .addHelpText('after', PARSE_HELP)
    .action(async (_options: unknown, command: Command) => {
      process.exitCode = await runParse(command.opts<FormatCliOptions>());
    });
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

async function runParse(options: FormatCliOptions): Promise<number> {
  const parser = new StreamParser(formatSettingsFrom(options)); // a bad setting throws a ConfigError
  const unit = parser.isPayloadFormat ? 'document' : 'line';
  const gaps = new SequenceGapDetector();
  const counts = { reads: 0, rejected: 0, skipped: 0 };

  const emit = async (outcomes: PositionedOutcome[]): Promise<void> => {
    let out = '';
    for (const { outcome, position } of outcomes) {
      switch (outcome.kind) {
        case 'read': {
          counts.reads++;
          out += `${JSON.stringify(outcome.read)}\n`;
          if (outcome.sequence === undefined) break;
          const check = gaps.check('stdin', outcome.sequence);
          if (check.kind === 'gap') {
            process.stderr.write(
              `${unit} ${position}: sequence gap: eventNum ${check.got} after ${check.expected - 1} (${check.missing} missing)\n`,
            );
          }
          break;
        }
        case 'skip':
          counts.skipped++;
          break;
        case 'error':
          counts.rejected++;
          process.stderr.write(`${unit} ${position}: ${outcome.error.code}: ${outcome.error.message}\n`);
          break;
      }
    }
    if (out !== '') await write(out);
  };

  const decoder = new StringDecoder('utf8');
  for await (const chunk of process.stdin) {
    await emit(parser.push(decoder.write(chunk as Buffer), Date.now() * 1000));
  }
  await emit(parser.push(decoder.end(), Date.now() * 1000));
  await emit(parser.end(Date.now() * 1000));
  const { gaps: gapCount, missingEvents } = gaps.stats();
  process.stderr.write(
    `parse: ${counts.reads} reads, ${counts.rejected} rejected, ${counts.skipped} skipped` +
      (gapCount > 0 ? `, ${gapCount} sequence gaps (${missingEvents} events missing)` : '') +
      '\n',
  );
  return counts.rejected === 0 ? 0 : 1;
}
