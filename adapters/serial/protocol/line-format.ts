import { z } from 'zod';
import { ConfigError } from '../../../runtime/errors.js';
import { isValidTimeZone } from '../../protocol/local-time.js';
import type { ParseOutcome } from '../../protocol/outcome.js';
import { AlienCustomParser } from './alien-custom.js';
import { AlienTerseParser } from './alien-terse.js';
import { AlienTextParser } from './alien-text.js';
import { CsvParser } from './csv.js';
import { parseJsonlLine } from './jsonl.js';

/** The line formats a serial port (or `bondtrack parse`) understands. */
export const LINE_FORMATS = ['jsonl', 'alien-text', 'alien-terse', 'alien-custom', 'csv'] as const;
export const LineFormatName = z.enum(LINE_FORMATS);
export type LineFormatName = z.infer<typeof LineFormatName>;

/** IANA zone name, checked against the zones this Node knows. */
export const TimeZoneName = z.string().refine(isValidTimeZone, {
  error: 'must be an IANA time zone such as Asia/Shanghai or UTC',
});

/** How to read the lines of one port. Combinations are checked by createLineParser. */
export const LineFormatSettings = z.object({
  /** Default jsonl. */
  format: LineFormatName.default('jsonl'),
  /** Zone of readers that print local time (alien-*, csv `localTime`); default UTC. */
  timeZone: TimeZoneName.default('UTC'),
  /** alien-custom: the reader's TagListCustomFormat, e.g. "%k,%D %T,%r,%a". */
  customFormat: z.string().min(1).optional(),
  /** csv: column names in order (csv.ts). */
  csvColumns: z.array(z.string()).min(1).optional(),
  /** csv: one character; default ",". */
  csvDelimiter: z.string().length(1).optional(),
  /** csv: whether the antenna column counts from 0 or 1; default 1. */
  antennaBase: z.union([z.literal(0), z.literal(1)]).optional(),
});
export type LineFormatSettings = z.infer<typeof LineFormatSettings>;
export type LineFormatSettingsInput = z.input<typeof LineFormatSettings>;

/**
 * One port's parser. Stateful only where the format is (the Alien notification header sets the
 * time of the Terse lines under it), so make one per port. `receivedAtUs` is the adapter's clock
 * when the line arrived, used only by formats without a time of their own.
 */
export interface LineParser {
  readonly format: LineFormatName;
  parse(line: string, receivedAtUs?: number): ParseOutcome;
}

/** Build the parser; a setting missing for the format (or a bad one) throws a ConfigError naming it. */
export function createLineParser(input: LineFormatSettingsInput): LineParser {
  const result = LineFormatSettings.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`line format: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const settings = result.data;
  const { format, timeZone } = settings;
  switch (format) {
    case 'jsonl':
      return {
        format,
        parse(line) {
          const parsed = parseJsonlLine(line);
          return parsed.kind === 'blank' ? { kind: 'skip', reason: 'blank line' } : parsed;
        },
      };
    case 'alien-text': {
      const parser = new AlienTextParser(timeZone);
      return { format, parse: (line) => parser.parse(line) };
    }
    case 'alien-terse': {
      const parser = new AlienTerseParser(timeZone);
      return { format, parse: (line, receivedAtUs) => parser.parse(line, receivedAtUs) };
    }
    case 'alien-custom': {
      if (settings.customFormat === undefined) {
        throw new ConfigError('line format alien-custom: customFormat (--custom-format) is required');
      }
      const parser = new AlienCustomParser(settings.customFormat, timeZone);
      return { format, parse: (line, receivedAtUs) => parser.parse(line, receivedAtUs) };
    }
    case 'csv': {
      if (settings.csvColumns === undefined) {
        throw new ConfigError('line format csv: csvColumns (--columns) is required');
      }
      const parser = new CsvParser({
        columns: settings.csvColumns,
        timeZone,
        ...(settings.csvDelimiter === undefined ? {} : { delimiter: settings.csvDelimiter }),
        ...(settings.antennaBase === undefined ? {} : { antennaBase: settings.antennaBase }),
      });
      return { format, parse: (line) => parser.parse(line) };
    }
  }
}
