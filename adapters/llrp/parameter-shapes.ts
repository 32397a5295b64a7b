/**
 * Object shapes of decoded LLRP parameters, LLRP 1.0.1 §16 / 1.1 §17 binary encoding (reports and
 * events are in report-shapes.ts, messages in types.ts).
 *
 * Conventions: `type` is the spec name; field names are the spec's in camelCase (ROSpecID →
 * `roSpecId`); u64 values (timestamps) are `bigint` microseconds; byte strings are `Buffer`;
 * sub-parameters that may repeat are arrays, omitted by the decoder when empty (`?`), and treated
 * as empty by the encoder when absent. Unknown TLVs are kept in `unknown` (never fatal).
 */

/** A TLV parameter the codec does not model, skipped by its length and kept as bytes. */
export interface UnknownParameter {
  type: 'Unknown';
  /** Parameter type number: TLV 0–1023 (128–1023 in valid LLRP), TV 1–127. */
  parameterType: number;
  /** TV parameters (a type the enclosing parameter does not allow) keep their value after the type byte. */
  encoding: 'TLV' | 'TV';
  /** The parameter value after its 4-byte header. */
  body: Buffer;
}

/** Extension point of every parameter and message that the spec allows `Custom*` in. */
export interface Extensible {
  /** Custom parameters: typed when the codec models the vendor extension (Impinj), else `Custom`. */
  custom?: CustomLike[];
  /** TLVs the codec does not know, in arrival order (re-encoded after the known ones). */
  unknown?: UnknownParameter[];
}

// ---------------------------------------------------------------------------------------------
// Custom (type 1023) and Impinj extensions (vendor 25882)

/** Custom parameter of a vendor/subtype the codec does not model: kept, never fatal (§16.2.9). */
export interface CustomParameter {
  type: 'Custom';
  vendorId: number;
  subtype: number;
  data: Buffer;
}

/** Impinj subtype 23, inside C1G2InventoryCommand: 0 Reader_Selected, 1 Single_Target, 2 Dual_Target, 3 Single_Target_With_Suppression, 5 No_Target, 6 Single_Target_BtoA, 7 Dual_Target_with_BtoASelect. */
export interface ImpinjInventorySearchMode {
  type: 'ImpinjInventorySearchMode';
  inventorySearchMode: number;
}
/** Impinj subtype 50, inside ROReportSpec: which Impinj values each TagReportData carries. */
export interface ImpinjTagReportContentSelector {
  type: 'ImpinjTagReportContentSelector';
  enableSerializedTid?: ImpinjEnableX;
  enableRfPhaseAngle?: ImpinjEnableX;
  enablePeakRssi?: ImpinjEnableX;
  enableGpsCoordinates?: ImpinjEnableX;
  enableOptimizedRead?: ImpinjEnableX;
  enableRfDopplerFrequency?: ImpinjEnableX;
  custom?: CustomParameter[];
  unknown?: UnknownParameter[];
}
/** Impinj subtypes 51/52/53/54/66/67: a u16 mode, 0 = disabled, 1 = enabled. */
export interface ImpinjEnableX {
  type:
    | 'ImpinjEnableSerializedTID'
    | 'ImpinjEnableRFPhaseAngle'
    | 'ImpinjEnablePeakRSSI'
    | 'ImpinjEnableGPSCoordinates'
    | 'ImpinjEnableOptimizedRead'
    | 'ImpinjEnableRFDopplerFrequency';
  mode: number;
}
/** Impinj subtype 56 in TagReportData: raw phase units 0–4095 (= 0–360°). */
export interface ImpinjRFPhaseAngle {
  type: 'ImpinjRFPhaseAngle';
  phaseAngle: number;
}
/** Impinj subtype 57 in TagReportData: s16 in centi-dBm (−5300 = −53.00 dBm). */
export interface ImpinjPeakRSSI {
  type: 'ImpinjPeakRSSI';
  rssiCentiDbm: number;
}
/** Impinj subtype 68 in TagReportData: s16 Doppler frequency in Hz/16 (raw units kept). */
export interface ImpinjRFDopplerFrequency {
  type: 'ImpinjRFDopplerFrequency';
  dopplerFrequency: number;
}

/** Anything that can appear where the spec says `Custom*`. */
export type CustomLike =
  | CustomParameter
  | ImpinjInventorySearchMode
  | ImpinjTagReportContentSelector
  | ImpinjEnableX
  | ImpinjRFPhaseAngle
  | ImpinjPeakRSSI
  | ImpinjRFDopplerFrequency;

// ---------------------------------------------------------------------------------------------
// Status (§14.2.2 LLRPStatus, FieldError, ParameterError)

export interface FieldError {
  type: 'FieldError';
  fieldNum: number;
  errorCode: number;
}
export interface ParameterError {
  type: 'ParameterError';
  parameterType: number;
  errorCode: number;
  fieldError?: FieldError;
  parameterError?: ParameterError;
}
export interface LLRPStatus {
  type: 'LLRPStatus';
  /** See `StatusCode` / `statusCodeName()`; 0 = M_Success. */
  statusCode: number;
  errorDescription: string;
  fieldError?: FieldError;
  parameterError?: ParameterError;
  unknown?: UnknownParameter[];
}

// ---------------------------------------------------------------------------------------------
// Timestamps

export interface UTCTimestamp {
  type: 'UTCTimestamp';
  /** µs since 1970-01-01T00:00:00Z on the reader's clock. */
  microseconds: bigint;
}
export interface Uptime {
  type: 'Uptime';
  /** µs since the reader booted. */
  microseconds: bigint;
}

// ---------------------------------------------------------------------------------------------
// ROSpec and friends (§10.2)

export interface PeriodicTriggerValue {
  type: 'PeriodicTriggerValue';
  offset: number;
  period: number;
  utcTimestamp?: UTCTimestamp;
}
export interface GPITriggerValue {
  type: 'GPITriggerValue';
  gpiPortNum: number;
  gpiEvent: boolean;
  timeout: number;
}
export interface ROSpecStartTrigger {
  type: 'ROSpecStartTrigger';
  /** 0 Null (START_ROSPEC only), 1 Immediate, 2 Periodic, 3 GPI. */
  roSpecStartTriggerType: number;
  periodicTriggerValue?: PeriodicTriggerValue;
  gpiTriggerValue?: GPITriggerValue;
}
export interface ROSpecStopTrigger {
  type: 'ROSpecStopTrigger';
  /** 0 Null, 1 Duration, 2 GPI_With_Timeout. */
  roSpecStopTriggerType: number;
  /** ms. */
  durationTriggerValue: number;
  gpiTriggerValue?: GPITriggerValue;
}
export interface ROBoundarySpec {
  type: 'ROBoundarySpec';
  roSpecStartTrigger: ROSpecStartTrigger;
  roSpecStopTrigger: ROSpecStopTrigger;
}
export interface TagObservationTrigger {
  type: 'TagObservationTrigger';
  triggerType: number;
  numberOfTags: number;
  numberOfAttempts: number;
  t: number;
  timeout: number;
}
export interface AISpecStopTrigger {
  type: 'AISpecStopTrigger';
  /** 0 Null, 1 Duration, 2 GPI_With_Timeout, 3 Tag_Observation. */
  aiSpecStopTriggerType: number;
  /** ms. */
  durationTrigger: number;
  gpiTriggerValue?: GPITriggerValue;
  tagObservationTrigger?: TagObservationTrigger;
}
export interface RFReceiver {
  type: 'RFReceiver';
  receiverSensitivity: number;
}
export interface RFTransmitter {
  type: 'RFTransmitter';
  hopTableId: number;
  channelIndex: number;
  /** Index into the reader's TransmitPowerLevelTable (not dBm). */
  transmitPower: number;
}
/** A bit array (u1v): `bitCount` bits, MSB-aligned in `data`. */
export interface BitArray {
  bitCount: number;
  data: Buffer;
}
export interface C1G2TagInventoryMask {
  type: 'C1G2TagInventoryMask';
  mb: number;
  pointer: number;
  tagMask: BitArray;
}
export interface C1G2TagInventoryStateAwareFilterAction {
  type: 'C1G2TagInventoryStateAwareFilterAction';
  target: number;
  action: number;
}
export interface C1G2TagInventoryStateUnawareFilterAction {
  type: 'C1G2TagInventoryStateUnawareFilterAction';
  action: number;
}
export interface C1G2Filter {
  type: 'C1G2Filter';
  t: number;
  c1g2TagInventoryMask: C1G2TagInventoryMask;
  c1g2TagInventoryStateAwareFilterAction?: C1G2TagInventoryStateAwareFilterAction;
  c1g2TagInventoryStateUnawareFilterAction?: C1G2TagInventoryStateUnawareFilterAction;
}
export interface C1G2RFControl {
  type: 'C1G2RFControl';
  modeIndex: number;
  tari: number;
}
export interface C1G2TagInventoryStateAwareSingulationAction {
  type: 'C1G2TagInventoryStateAwareSingulationAction';
  i: boolean;
  s: boolean;
}
export interface C1G2SingulationControl {
  type: 'C1G2SingulationControl';
  /** Gen2 session 0–3. */
  session: number;
  tagPopulation: number;
  tagTransitTime: number;
  c1g2TagInventoryStateAwareSingulationAction?: C1G2TagInventoryStateAwareSingulationAction;
}
export interface C1G2InventoryCommand extends Extensible {
  type: 'C1G2InventoryCommand';
  tagInventoryStateAware: boolean;
  c1g2Filters?: C1G2Filter[];
  c1g2RfControl?: C1G2RFControl;
  c1g2SingulationControl?: C1G2SingulationControl;
  /** Impinj search mode goes here as `ImpinjInventorySearchMode`. */
}
export interface AntennaConfiguration extends Extensible {
  type: 'AntennaConfiguration';
  /** 0 = all antennas. */
  antennaId: number;
  rfReceiver?: RFReceiver;
  rfTransmitter?: RFTransmitter;
  c1g2InventoryCommands?: C1G2InventoryCommand[];
}
export interface InventoryParameterSpec extends Extensible {
  type: 'InventoryParameterSpec';
  inventoryParameterSpecId: number;
  /** 1 = EPCGlobalClass1Gen2. */
  protocolId: number;
  antennaConfigurations?: AntennaConfiguration[];
}
export interface AISpec extends Extensible {
  type: 'AISpec';
  /** [0] = all antennas. */
  antennaIds: number[];
  aiSpecStopTrigger: AISpecStopTrigger;
  inventoryParameterSpecs: InventoryParameterSpec[];
}
export interface RFSurveySpecStopTrigger {
  type: 'RFSurveySpecStopTrigger';
  stopTriggerType: number;
  durationPeriod: number;
  n: number;
}
export interface RFSurveySpec extends Extensible {
  type: 'RFSurveySpec';
  antennaId: number;
  startFrequency: number;
  endFrequency: number;
  rfSurveySpecStopTrigger: RFSurveySpecStopTrigger;
}
export interface C1G2EPCMemorySelector {
  type: 'C1G2EPCMemorySelector';
  enableCrc: boolean;
  enablePcBits: boolean;
  /** LLRP 1.1 only (a reserved bit in 1.0.1). */
  enableXpcBits: boolean;
}
export interface TagReportContentSelector {
  type: 'TagReportContentSelector';
  enableRoSpecId: boolean;
  enableSpecIndex: boolean;
  enableInventoryParameterSpecId: boolean;
  enableAntennaId: boolean;
  enableChannelIndex: boolean;
  enablePeakRssi: boolean;
  enableFirstSeenTimestamp: boolean;
  enableLastSeenTimestamp: boolean;
  enableTagSeenCount: boolean;
  enableAccessSpecId: boolean;
  c1g2EpcMemorySelectors?: C1G2EPCMemorySelector[];
}
export interface ROReportSpec extends Extensible {
  type: 'ROReportSpec';
  /** 0 None, 1 Upon_N_Tags_Or_End_Of_AISpec, 2 Upon_N_Tags_Or_End_Of_ROSpec. */
  roReportTrigger: number;
  /** 0 = unlimited. */
  n: number;
  tagReportContentSelector: TagReportContentSelector;
  /** ImpinjTagReportContentSelector goes here. */
}
export interface ROSpec {
  type: 'ROSpec';
  roSpecId: number;
  priority: number;
  /** 0 Disabled (required in ADD_ROSPEC), 1 Inactive, 2 Active. */
  currentState: number;
  roBoundarySpec: ROBoundarySpec;
  /** AISpec / RFSurveySpec / Custom, executed in order. */
  specs: (AISpec | RFSurveySpec | CustomLike)[];
  roReportSpec?: ROReportSpec;
  unknown?: UnknownParameter[];
}
export interface AccessReportSpec {
  type: 'AccessReportSpec';
  accessReportTrigger: number;
}

// ---------------------------------------------------------------------------------------------
// Reader configuration (§12)

export interface EventNotificationState {
  type: 'EventNotificationState';
  /** 0 Hopping, 1 GPI, 2 ROSpec, 3 ReportBufferFillWarning, 4 ReaderException, 5 RFSurvey, 6 AISpec, 7 AISpecWithDetails, 8 Antenna, 9 SpecLoop. */
  eventType: number;
  notificationState: boolean;
}
export interface ReaderEventNotificationSpec {
  type: 'ReaderEventNotificationSpec';
  eventNotificationStates: EventNotificationState[];
}
export interface KeepaliveSpec {
  type: 'KeepaliveSpec';
  /** 0 Null (no keepalives), 1 Periodic. */
  keepaliveTriggerType: number;
  /** Interval in ms. */
  periodicTriggerValue: number;
}
export interface EventsAndReports {
  type: 'EventsAndReports';
  holdEventsAndReportsUponReconnect: boolean;
}
export interface Identification {
  type: 'Identification';
  /** 0 MAC_Address, 1 EPC. */
  idType: number;
  readerId: Buffer;
}
export interface AntennaProperties {
  type: 'AntennaProperties';
  antennaConnected: boolean;
  antennaId: number;
  antennaGain: number;
}
export interface LLRPConfigurationStateValue {
  type: 'LLRPConfigurationStateValue';
  llrpConfigurationStateValue: number;
}
export interface GPIPortCurrentState {
  type: 'GPIPortCurrentState';
  gpiPortNum: number;
  config: boolean;
  state: number;
}
export interface GPOWriteData {
  type: 'GPOWriteData';
  gpoPortNumber: number;
  gpoData: boolean;
}

// ---------------------------------------------------------------------------------------------
// Capabilities (§9)

export interface ReceiveSensitivityTableEntry {
  type: 'ReceiveSensitivityTableEntry';
  index: number;
  receiveSensitivityValue: number;
}
export interface PerAntennaReceiveSensitivityRange {
  type: 'PerAntennaReceiveSensitivityRange';
  antennaId: number;
  receiveSensitivityIndexMin: number;
  receiveSensitivityIndexMax: number;
}
export interface GPIOCapabilities {
  type: 'GPIOCapabilities';
  numGpis: number;
  numGpos: number;
}
export interface PerAntennaAirProtocol {
  type: 'PerAntennaAirProtocol';
  antennaId: number;
  protocolIds: number[];
}
export interface MaximumReceiveSensitivity {
  type: 'MaximumReceiveSensitivity';
  maximumSensitivityValue: number;
}
export interface GeneralDeviceCapabilities extends Extensible {
  type: 'GeneralDeviceCapabilities';
  maxNumberOfAntennaSupported: number;
  canSetAntennaProperties: boolean;
  hasUtcClockCapability: boolean;
  /** IANA private enterprise number (Impinj 25882). */
  deviceManufacturerName: number;
  modelName: number;
  readerFirmwareVersion: string;
  receiveSensitivityTableEntries?: ReceiveSensitivityTableEntry[];
  perAntennaReceiveSensitivityRanges?: PerAntennaReceiveSensitivityRange[];
  maximumReceiveSensitivity?: MaximumReceiveSensitivity;
  gpioCapabilities?: GPIOCapabilities;
  perAntennaAirProtocols?: PerAntennaAirProtocol[];
}
export interface LLRPCapabilities {
  type: 'LLRPCapabilities';
  canDoRfSurvey: boolean;
  canReportBufferFillWarning: boolean;
  supportsClientRequestOpSpec: boolean;
  canDoTagInventoryStateAwareSingulation: boolean;
  supportsEventAndReportHolding: boolean;
  maxPriorityLevelsSupported: number;
  clientRequestOpSpecTimeout: number;
  maxNumRoSpecs: number;
  maxNumSpecsPerRoSpec: number;
  maxNumInventoryParameterSpecsPerAiSpec: number;
  maxNumAccessSpecs: number;
  maxNumOpSpecsPerAccessSpec: number;
}
export interface TransmitPowerLevelTableEntry {
  type: 'TransmitPowerLevelTableEntry';
  index: number;
  /** dBm × 100. */
  transmitPowerValue: number;
}
export interface FrequencyHopTable {
  type: 'FrequencyHopTable';
  hopTableId: number;
  /** kHz. */
  frequencies: number[];
}
export interface FixedFrequencyTable {
  type: 'FixedFrequencyTable';
  frequencies: number[];
}
export interface FrequencyInformation {
  type: 'FrequencyInformation';
  hopping: boolean;
  frequencyHopTables?: FrequencyHopTable[];
  fixedFrequencyTable?: FixedFrequencyTable;
}
export interface UHFC1G2RFModeTableEntry {
  type: 'UHFC1G2RFModeTableEntry';
  modeIdentifier: number;
  dr: boolean;
  epcHagTcConformance: boolean;
  mValue: number;
  forwardLinkModulation: number;
  spectralMaskIndicator: number;
  bdrValue: number;
  pieValue: number;
  minTariValue: number;
  maxTariValue: number;
  stepTariValue: number;
}
export interface UHFC1G2RFModeTable {
  type: 'UHFC1G2RFModeTable';
  entries: UHFC1G2RFModeTableEntry[];
}
export interface UHFBandCapabilities {
  type: 'UHFBandCapabilities';
  transmitPowerLevelTableEntries: TransmitPowerLevelTableEntry[];
  frequencyInformation: FrequencyInformation;
  uhfC1g2RfModeTables?: UHFC1G2RFModeTable[];
  unknown?: UnknownParameter[];
}
export interface RegulatoryCapabilities extends Extensible {
  type: 'RegulatoryCapabilities';
  countryCode: number;
  communicationsStandard: number;
  uhfBandCapabilities?: UHFBandCapabilities;
}
export interface C1G2LLRPCapabilities {
  type: 'C1G2LLRPCapabilities';
  canSupportBlockErase: boolean;
  canSupportBlockWrite: boolean;
  /** The next four flags are LLRP 1.1 (reserved bits in 1.0.1). */
  canSupportBlockPermalock: boolean;
  canSupportTagRecommissioning: boolean;
  canSupportUmiMethod2: boolean;
  canSupportXpc: boolean;
  maxNumSelectFiltersPerQuery: number;
}
