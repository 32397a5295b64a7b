/** Every tag-data format, behind one stream parser. The only module other code imports from adapters/formats. */
export {
  FORMATS,
  FormatName,
  StreamParser,
  isPayloadFormat,
  type PositionedOutcome,
  type StreamParserSettings,
} from './stream-parser.js';
export type { ParseOutcome } from '../protocol/outcome.js';
