// Format emitters: what readers of each format print or push for simulated reads (issue 4).
export { formatAlienLocalTime } from './local-time.js';
export {
  ALIEN_CUSTOM_FORMAT,
  CSV_EMIT_COLUMNS,
  emitAlienCustomLine,
  emitAlienTerseNotification,
  emitAlienTextNotification,
  emitCsvLine,
  spacedHex,
} from './line-emitters.js';
export {
  emitImpinjIotEvent,
  emitSpeedwayConnectPost,
  emitZebraIotcEvent,
  isoMicros,
} from './payload-emitters.js';
export { formatReadsAs, type FormatTextOptions, type SimulatedFormat } from './format-text.js';
