import { z } from 'zod';
import { NativeErrorCode, NativePayloadError } from '../native/errors.js';
import { JsonDocumentSplitter, type JsonStreamItem } from '../native/protocol/json-documents.js';
import { PAYLOAD_FORMATS, parsePayload, type PayloadFormatName } from '../native/protocol/payload-format.js';
import type { ParseOutcome } from '../protocol/outcome.js';
import {
  LINE_FORMATS,
  LineFormatSettings,
  createLineParser,
  type LineFormatSettingsInput,
} from '../serial/protocol/line-format.js';

/** Every format name `bondtrack parse` and the adapters accept. */
export const FORMATS = [...LINE_FORMATS, ...PAYLOAD_FORMATS] as const;
export const FormatName = z.enum(FORMATS);
export type FormatName = z.infer<typeof FormatName>;

export function isPayloadFormat(format: FormatName): format is PayloadFormatName {
  return (PAYLOAD_FORMATS as readonly string[]).includes(format);
}

export interface StreamParserSettings extends Omit<LineFormatSettingsInput, 'format'> {
  format: FormatName;
  /** Payload formats: longest JSON document accepted, in characters; default 1 MiB. */
  maxDocumentChars?: number;
}

/** One outcome and where it came from: `position` is the 1-based line (line formats) or document number. */
export interface PositionedOutcome {
  outcome: ParseOutcome;
  position: number;
  /** The input that produced it (the line, or the JSON document), for dead letters. */
  input: string;
}

/**
 * Text in arbitrary chunks → outcomes, for any format: line formats are split at "\n" (a "\r"
 * before it is dropped), payload formats into JSON documents (NDJSON, pretty-printed or
 * concatenated). Used by `bondtrack parse` and the HTTP ingest endpoint.
 */
export class StreamParser {
  private position = 0;
  private pending = '';
  private readonly lineParser;
  private readonly splitter;

  get isPayloadFormat(): boolean {
    return this.splitter !== undefined;
  }

  constructor(private readonly settings: StreamParserSettings) {
    if (isPayloadFormat(settings.format)) {
      this.splitter = new JsonDocumentSplitter(settings.maxDocumentChars);
    } else {
      this.lineParser = createLineParser({
        ...settings,
        format: LineFormatSettings.shape.format.unwrap().parse(settings.format),
      });
    }
  }

  push(chunk: string, receivedAtUs?: number): PositionedOutcome[] {
    if (this.splitter !== undefined) return this.fromItems(this.splitter.push(chunk));
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map((line) => this.fromLine(line, receivedAtUs));
  }

  end(receivedAtUs?: number): PositionedOutcome[] {
    if (this.splitter !== undefined) return this.fromItems(this.splitter.end());
    const last = this.pending;
    this.pending = '';
    return last === '' ? [] : [this.fromLine(last, receivedAtUs)];
  }

  private fromLine(raw: string, receivedAtUs: number | undefined): PositionedOutcome {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    return { outcome: this.lineParser!.parse(line, receivedAtUs), position: ++this.position, input: line };
  }

  private fromItems(items: JsonStreamItem[]): PositionedOutcome[] {
    const format = this.settings.format as PayloadFormatName;
    return items.flatMap((item): PositionedOutcome[] => {
      const position = ++this.position;
      switch (item.kind) {
        case 'document':
          return parsePayload(format, item.text).map((outcome) => ({ outcome, position, input: item.text }));
        case 'garbage':
        case 'truncated': {
          const what = item.kind === 'garbage' ? 'not a JSON object or array' : 'incomplete JSON document';
          const error = new NativePayloadError(NativeErrorCode.BAD_JSON, `${format}: ${what}`);
          return [{ outcome: { kind: 'error', error }, position, input: item.text }];
        }
        case 'too-large': {
          const error = new NativePayloadError(
            NativeErrorCode.PAYLOAD_TOO_LARGE,
            `${format}: JSON document of ${item.chars} characters is over the limit`,
          );
          return [{ outcome: { kind: 'error', error }, position, input: item.head }];
        }
      }
    });
  }
}
