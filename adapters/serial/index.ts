/** The serial reader adapter. The only module other code imports from adapters/serial. */
export { startSerialAdapter, type SerialAdapterDeps } from './adapter.js';
export { SerialReaderClient, openSerialPort, type SerialReaderDeps } from './client.js';
export {
  SerialAdapterOptions,
  SerialLineSettings,
  SerialReaderOptions,
  parseSerialAdapterOptions,
  type SerialAdapterOptionsInput,
  type SerialReaderOptionsInput,
} from './options.js';
export { SerialError, SerialErrorCode, SerialLineError, SerialPortError } from './errors.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  parseJsonlLine,
  type JsonlLineResult,
  type JsonlParseOptions,
} from './protocol/jsonl.js';
export { isoToEpochUs } from './protocol/iso-time.js';
export {
  LINE_FORMATS,
  LineFormatName,
  LineFormatSettings,
  createLineParser,
  type LineFormatSettingsInput,
  type LineParser,
} from './protocol/line-format.js';
export type {
  ReadSink,
  SerialAdapter,
  SerialAdapterStats,
  SerialDevice,
  SerialDeviceFactory,
  SerialReaderState,
  SerialReaderStats,
} from './types.js';
