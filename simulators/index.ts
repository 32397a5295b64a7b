// The simulators' public surface: the demo, the CLI and tests import from here.
export { Prng } from './prng.js';
export {
  SSCC96_HEADER,
  SSCC_FILTER_UNIT_LOAD,
  Sscc96Error,
  decodeSscc96,
  encodeSscc96,
  gs1CheckDigit,
  isValidSscc,
  toSscc,
  toSsccIdUri,
  type Sscc96,
} from './sscc-96.js';
export {
  CustomsSeed,
  CustomsSeedEntry,
  DEMO_CUSTOMS_FILE,
  loadCustomsSeed,
  toCustomsStatuses,
} from './customs-seed.js';
export {
  Arrival,
  DEMO_SCHEDULE_FILE,
  Incident,
  IncidentKind,
  ScheduleSeed,
  loadScheduleSeed,
} from './schedule-seed.js';
export { loadScenario, type Scenario, type ScenarioFiles } from './scenario.js';
export {
  DEMO_PROFILE,
  GEN2_SESSIONS,
  PROFILES,
  TEST_PROFILE,
  resolveProfile,
  type Gen2Session,
  type ProfileName,
  type RfProfile,
  type SimulationProfile,
} from './profiles.js';
export { buildSiteModel, type SiteModel } from './site-model.js';
export type { ForkliftLoad, GateCrossing, PalletPlan, Stay } from './pallet-flow.js';
export { Gen2SessionModel } from './gen2-session.js';
export { meanRssiDbm, readProbability } from './rf-model.js';
export {
  readerBehavioursFromSpecs,
  validateReaderBehaviours,
  type ReaderBehaviour,
  type ReaderOutage,
} from './reader-behaviour.js';
export { ReadNoise, type ReadNoiseOptions } from './read-noise.js';
export { TruthEvent, TruthLog, readTruthFile } from './truth.js';
export {
  createSimulation,
  type SimulatedRead,
  type Simulation,
  type SimulationOptions,
} from './simulation.js';
export {
  PtyPairError,
  openPtyPair,
  openReaderPtys,
  type OpenPtyPairOptions,
  type PtyPair,
  type ReaderPtys,
} from './pty-pair.js';
export {
  SerialReaderError,
  SimulatedSerialReader,
  formatJsonlRead,
  type SimulatedSerialReaderOptions,
} from './serial-reader.js';
export {
  runSimulatorToSerial,
  type RunSimulatorToSerialOptions,
  type SerialRunProgress,
  type SerialRunSummary,
} from './run-to-serial.js';
export { paceSimulation, type PaceOptions } from './pacer.js';
export { ReaderPort, type Backpressure } from './reader-port.js';
