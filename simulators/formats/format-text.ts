import type { TagRead } from '../../schemas/index.js';
import { formatJsonlRead } from '../serial-reader.js';
import {
  emitAlienCustomLine,
  emitAlienTerseNotification,
  emitAlienTextNotification,
  emitCsvLine,
} from './line-emitters.js';
import { emitImpinjIotEvent, emitSpeedwayConnectPost, emitZebraIotcEvent } from './payload-emitters.js';

/** Every format the simulator can speak; the same names as `bondtrack parse --format`. */
export type SimulatedFormat =
  | 'jsonl'
  | 'alien-text'
  | 'alien-terse'
  | 'alien-custom'
  | 'csv'
  | 'impinj-iot'
  | 'speedway-connect'
  | 'zebra-iotc';

export interface FormatTextOptions {
  readerName: string;
  /** Zone the reader prints local time in (Alien). */
  timeZone: string;
  /** Zebra eventNum of the first read; the caller keeps the count across calls. */
  firstEventNum?: number;
}

/**
 * One step of simulated reads of one reader (simulation.advance() grouped by reader) as the text
 * that reader would send: a notification block, lines, an NDJSON stream or one POST body. Alien
 * Terse carries one time per notification, so it is the time of the step's first read.
 */
export function formatReadsAs(format: SimulatedFormat, reads: TagRead[], options: FormatTextOptions): string {
  if (reads.length === 0) return '';
  const nowUs = reads[0]!.seenAtUs;
  switch (format) {
    case 'jsonl':
      return reads.map(formatJsonlRead).join('');
    case 'alien-text':
      return emitAlienTextNotification(reads, {
        readerName: options.readerName,
        timeZone: options.timeZone,
        nowUs,
      });
    case 'alien-terse':
      return emitAlienTerseNotification(reads, { timeZone: options.timeZone, nowUs });
    case 'alien-custom':
      return reads.map((read) => emitAlienCustomLine(read, options.timeZone)).join('');
    case 'csv':
      return reads.map(emitCsvLine).join('');
    case 'impinj-iot':
      return reads
        .map((read, i) => `${emitImpinjIotEvent(read, options.readerName, i % 2 === 1)}\n`)
        .join('');
    case 'speedway-connect':
      return emitSpeedwayConnectPost(reads, options.readerName);
    case 'zebra-iotc': {
      const first = options.firstEventNum ?? 1;
      return reads.map((read, i) => `${emitZebraIotcEvent(read, first + i)}\n`).join('');
    }
  }
}
