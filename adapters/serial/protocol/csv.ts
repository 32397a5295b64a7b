import { ConfigError } from '../../../runtime/errors.js';
import { localDateTimeToEpochUs } from '../../protocol/local-time.js';
import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { SerialErrorCode } from '../errors.js';
import { isoToEpochUs } from './iso-time.js';
import { integerField, lineError, numberField, readFromFields } from './read-fields.js';

/**
 * Generic delimited lines with configured columns, for readers and middleware that print e.g.
 *
 *   3178E61C883950F59A000000,2,-61.5,2026-04-02T12:00:01.250Z
 *
 * with columns "epc,antenna,rssiDbm,ts". Column names:
 *
 *   epc, tid            hex; spaces removed, upper-cased
 *   antenna             port number, `antennaBase`-based (default 1; 0 for readers that count from 0)
 *   rssiDbm, phaseDeg   numbers          count, frequencyKhz   integers
 *   seenAtUs, seenAtMs  epoch numbers    ts   ISO-8601 with a zone    localTime   "YYYY/MM/DD hh:mm:ss"
 *                                                                   (or "-") in the configured zone
 *   -                   a column to ignore
 *
 * Fields may be double-quoted ("" is a quote inside). A line whose epc field is literally the word
 * "epc" is a header and is skipped. Extra trailing fields are ignored; missing ones are an error.
 */
export const CSV_COLUMNS = [
  'epc',
  'tid',
  'antenna',
  'rssiDbm',
  'phaseDeg',
  'count',
  'frequencyKhz',
  'seenAtUs',
  'seenAtMs',
  'ts',
  'localTime',
  '-',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export interface CsvOptions {
  columns: readonly string[];
  /** One character; default ",". */
  delimiter?: string;
  /** Default 1. */
  antennaBase?: 0 | 1;
  /** Zone of `localTime` columns; default UTC. */
  timeZone?: string;
}

/** Split one delimited line, honouring double quotes. */
export function splitDelimited(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === delimiter) {
      fields.push(field.trim());
      field = '';
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

export class CsvParser {
  private readonly columns: CsvColumn[];
  private readonly delimiter: string;
  private readonly antennaBase: 0 | 1;
  private readonly timeZone: string;

  constructor(options: CsvOptions) {
    const known = new Set<string>(CSV_COLUMNS);
    for (const column of options.columns) {
      if (!known.has(column)) {
        throw new ConfigError(
          `csv columns: unknown column ${JSON.stringify(column)} (known: ${CSV_COLUMNS.join(', ')})`,
        );
      }
    }
    this.columns = options.columns as CsvColumn[];
    if (!this.columns.includes('epc')) throw new ConfigError('csv columns: needs an epc column');
    if (!this.columns.includes('antenna')) throw new ConfigError('csv columns: needs an antenna column');
    if (!this.columns.some((c) => c === 'seenAtUs' || c === 'seenAtMs' || c === 'ts' || c === 'localTime')) {
      throw new ConfigError('csv columns: needs a time column (seenAtUs, seenAtMs, ts or localTime)');
    }
    this.delimiter = options.delimiter ?? ',';
    if (this.delimiter.length !== 1 || this.delimiter === '"') {
      throw new ConfigError('csv delimiter: must be one character other than "');
    }
    this.antennaBase = options.antennaBase ?? 1;
    this.timeZone = options.timeZone ?? 'UTC';
  }

  parse(line: string): ParseOutcome {
    if (line.trim() === '') return { kind: 'skip', reason: 'blank line' };
    const values = splitDelimited(line.replace(/\r$/, ''), this.delimiter);
    if (values.length < this.columns.length) {
      return lineError(
        SerialErrorCode.UNRECOGNISED_LINE,
        `expected ${this.columns.length} fields (${this.columns.join(',')}), got ${values.length}: ${previewValue(line)}`,
      );
    }
    const fields: Record<string, unknown> = { count: 1 };
    for (const [i, column] of this.columns.entries()) {
      const value = values[i] ?? '';
      switch (column) {
        case '-':
          break;
        case 'epc':
          if (value.toLowerCase() === 'epc') return { kind: 'skip', reason: 'header line' };
          fields['epc'] = value.replace(/\s+/g, '').toUpperCase();
          break;
        case 'tid':
          if (value !== '') fields['tid'] = value.replace(/\s+/g, '').toUpperCase();
          break;
        case 'antenna': {
          const n = integerField(value);
          fields['antenna'] = n === undefined ? undefined : n + (1 - this.antennaBase);
          break;
        }
        case 'count':
        case 'frequencyKhz':
          if (value !== '') fields[column] = integerField(value);
          break;
        case 'rssiDbm':
        case 'phaseDeg':
          if (value !== '') fields[column] = numberField(value);
          break;
        case 'seenAtUs':
        case 'seenAtMs': {
          const n = numberField(value);
          fields['seenAtUs'] = n === undefined ? undefined : Math.round(column === 'seenAtMs' ? n * 1000 : n);
          break;
        }
        case 'ts':
        case 'localTime': {
          const us = column === 'ts' ? isoToEpochUs(value) : localDateTimeToEpochUs(value, this.timeZone);
          if (us === undefined) {
            return lineError(
              SerialErrorCode.BAD_TIME,
              `${column}: not a valid date-time: ${previewValue(value)}`,
            );
          }
          fields['seenAtUs'] = us;
          break;
        }
      }
    }
    return readFromFields(fields);
  }
}
