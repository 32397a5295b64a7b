/**
 * Object shapes of report and event parameters (TagReportData, RFSurveyReportData, reader events);
 * conventions as in parameter-shapes.ts.
 */
import type { CustomLike, Extensible, UTCTimestamp, UnknownParameter, Uptime } from './parameter-shapes.js';

// ---------------------------------------------------------------------------------------------
// Reports (§13)

/** C1G2 OpSpec results (types 349–354): `result` 0 = Success. */
export interface C1G2OpSpecResult {
  type:
    | 'C1G2ReadOpSpecResult'
    | 'C1G2WriteOpSpecResult'
    | 'C1G2KillOpSpecResult'
    | 'C1G2LockOpSpecResult'
    | 'C1G2BlockEraseOpSpecResult'
    | 'C1G2BlockWriteOpSpecResult';
  result: number;
  opSpecId: number;
  /** C1G2ReadOpSpecResult only: the words read. */
  readData?: number[];
  /** C1G2WriteOpSpecResult / C1G2BlockWriteOpSpecResult only. */
  numWordsWritten?: number;
}

/**
 * One TagReportData (type 240, §13.2.3). Every optional field is present as a key (value
 * `undefined` when the reader did not send it), so all reports share one object shape.
 */
export interface TagReportData {
  type: 'TagReportData';
  /** EPC, upper-case hex, ceil(epcBitCount / 8) bytes (pad bits kept as sent). */
  epc: string;
  epcBitCount: number;
  /** How the EPC arrived: EPC-96 (TV 13) or EPCData (TLV 241). The encoder picks EPC-96 for 96 bits when absent. */
  epcParameter: 'EPC-96' | 'EPCData' | undefined;
  roSpecId: number | undefined;
  specIndex: number | undefined;
  inventoryParameterSpecId: number | undefined;
  antennaId: number | undefined;
  /** PeakRSSI TV 6, s8 dBm. */
  peakRssiDbm: number | undefined;
  channelIndex: number | undefined;
  firstSeenUtcUs: bigint | undefined;
  firstSeenUptimeUs: bigint | undefined;
  lastSeenUtcUs: bigint | undefined;
  lastSeenUptimeUs: bigint | undefined;
  tagSeenCount: number | undefined;
  c1g2Pc: number | undefined;
  c1g2Xpcw1: number | undefined;
  c1g2Xpcw2: number | undefined;
  c1g2Crc: number | undefined;
  accessSpecId: number | undefined;
  /** ClientRequestOpSpecResult TV 15: the OpSpecID. */
  clientRequestOpSpecResult: number | undefined;
  opSpecResults: C1G2OpSpecResult[] | undefined;
  /** ImpinjPeakRSSI / ImpinjRFPhaseAngle / ImpinjRFDopplerFrequency and unknown vendor params. */
  custom: CustomLike[] | undefined;
  unknown: UnknownParameter[] | undefined;
}

export interface FrequencyRSSILevelEntry {
  type: 'FrequencyRSSILevelEntry';
  frequency: number;
  bandwidth: number;
  averageRssi: number;
  peakRssi: number;
  timestamp: UTCTimestamp | Uptime;
}
export interface RFSurveyReportData extends Extensible {
  type: 'RFSurveyReportData';
  roSpecId?: number;
  specIndex?: number;
  frequencyRssiLevelEntries: FrequencyRSSILevelEntry[];
}

// ---------------------------------------------------------------------------------------------
// Reader events (§13.2.6)

export interface HoppingEvent {
  type: 'HoppingEvent';
  hopTableId: number;
  nextChannelIndex: number;
}
export interface GPIEvent {
  type: 'GPIEvent';
  gpiPortNumber: number;
  gpiEvent: boolean;
}
export interface ROSpecEvent {
  type: 'ROSpecEvent';
  /** 0 Start_Of_ROSpec, 1 End_Of_ROSpec, 2 Preemption_Of_ROSpec. */
  eventType: number;
  roSpecId: number;
  preemptingRoSpecId: number;
}
export interface ReportBufferLevelWarningEvent {
  type: 'ReportBufferLevelWarningEvent';
  reportBufferPercentageFull: number;
}
export interface ReportBufferOverflowErrorEvent {
  type: 'ReportBufferOverflowErrorEvent';
}
export interface ReaderExceptionEvent extends Extensible {
  type: 'ReaderExceptionEvent';
  message: string;
  roSpecId?: number;
  specIndex?: number;
  inventoryParameterSpecId?: number;
  antennaId?: number;
  accessSpecId?: number;
  opSpecId?: number;
}
export interface RFSurveyEvent {
  type: 'RFSurveyEvent';
  eventType: number;
  roSpecId: number;
  specIndex: number;
}
export interface C1G2SingulationDetails {
  type: 'C1G2SingulationDetails';
  numCollisionSlots: number;
  numEmptySlots: number;
}
export interface AISpecEvent {
  type: 'AISpecEvent';
  /** 0 End_Of_AISpec. */
  eventType: number;
  roSpecId: number;
  specIndex: number;
  c1g2SingulationDetails?: C1G2SingulationDetails;
}
export interface AntennaEvent {
  type: 'AntennaEvent';
  /** 0 Antenna_Disconnected, 1 Antenna_Connected. */
  eventType: number;
  antennaId: number;
}
export interface ConnectionAttemptEvent {
  type: 'ConnectionAttemptEvent';
  /** 0 Success, 1/2 a connection already exists, 3 other failure, 4 Another_Connection_Attempted. */
  status: number;
}
export interface ConnectionCloseEvent {
  type: 'ConnectionCloseEvent';
}
export interface SpecLoopEvent {
  type: 'SpecLoopEvent';
  roSpecId: number;
  loopCount: number;
}
export interface ReaderEventNotificationData extends Extensible {
  type: 'ReaderEventNotificationData';
  /** UTCTimestamp or Uptime (Kathrein sends Uptime). Absent only from non-conformant readers. */
  timestamp?: UTCTimestamp | Uptime;
  hoppingEvent?: HoppingEvent;
  gpiEvent?: GPIEvent;
  roSpecEvent?: ROSpecEvent;
  reportBufferLevelWarningEvent?: ReportBufferLevelWarningEvent;
  reportBufferOverflowErrorEvent?: ReportBufferOverflowErrorEvent;
  readerExceptionEvent?: ReaderExceptionEvent;
  rfSurveyEvent?: RFSurveyEvent;
  aiSpecEvent?: AISpecEvent;
  antennaEvent?: AntennaEvent;
  connectionAttemptEvent?: ConnectionAttemptEvent;
  connectionCloseEvent?: ConnectionCloseEvent;
  specLoopEvent?: SpecLoopEvent;
}
