/** The LLRP reader emulator: what tests and `bondtrack simulate --emit-llrp` import. */
export {
  LlrpReaderEmulator,
  type LlrpReaderEmulatorOptions,
  type LlrpReaderEmulatorStats,
} from './reader-emulator.js';
export { LlrpEmulatorFleet, type LlrpEmulatorFleetOptions } from './emulator-fleet.js';
export { RoSpecTable, type RoSpecState, type Outcome, type Refusal } from './rospec-table.js';
export { WireWriter, type WireShape } from './wire-writer.js';
export { openLlrpTarget, type LlrpTargetOptions } from './emit-target.js';
export {
  tagReportDataOf,
  garbageTagReportData,
  reportContentOf,
  DEFAULT_CONTENT,
} from './tag-report-builder.js';
