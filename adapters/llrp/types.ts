/**
 * Object shapes of decoded LLRP messages (parameters are in parameter-shapes.ts, re-exported here).
 * Conventions are described there.
 */
import type {
  AccessReportSpec,
  AntennaConfiguration,
  AntennaProperties,
  C1G2LLRPCapabilities,
  EventsAndReports,
  Extensible,
  GPIPortCurrentState,
  GPOWriteData,
  GeneralDeviceCapabilities,
  Identification,
  KeepaliveSpec,
  LLRPCapabilities,
  LLRPConfigurationStateValue,
  LLRPStatus,
  ROReportSpec,
  ROSpec,
  ReaderEventNotificationSpec,
  RegulatoryCapabilities,
} from './parameter-shapes.js';
import type { RFSurveyReportData, ReaderEventNotificationData, TagReportData } from './report-shapes.js';

export type * from './parameter-shapes.js';
export type * from './report-shapes.js';

// ---------------------------------------------------------------------------------------------
// Messages (§16.1 / §17.1)

/** Fields every message has. `version` defaults to 1 (LLRP 1.0.1) when encoding. */
export interface MessageHeader {
  /** Message ID (u32): a response carries the ID of its request. */
  id: number;
  /** Header Ver: 1 = LLRP 1.0.1, 2 = LLRP 1.1. */
  version?: 1 | 2;
}

type Empty<T extends string> = MessageHeader & { type: T };
type StatusOnly<T extends string> = MessageHeader & { type: T; llrpStatus: LLRPStatus };
type RoSpecIdOnly<T extends string> = MessageHeader & { type: T; roSpecId: number };
type AccessSpecIdOnly<T extends string> = MessageHeader & { type: T; accessSpecId: number };

export interface GetReaderCapabilities extends MessageHeader, Extensible {
  type: 'GET_READER_CAPABILITIES';
  /** 0 All, 1 General, 2 LLRP, 3 Regulatory, 4 AirProtocol. */
  requestedData: number;
}
export interface GetReaderCapabilitiesResponse extends MessageHeader, Extensible {
  type: 'GET_READER_CAPABILITIES_RESPONSE';
  llrpStatus: LLRPStatus;
  generalDeviceCapabilities?: GeneralDeviceCapabilities;
  llrpCapabilities?: LLRPCapabilities;
  regulatoryCapabilities?: RegulatoryCapabilities;
  c1g2LlrpCapabilities?: C1G2LLRPCapabilities;
}
export interface GetReaderConfig extends MessageHeader, Extensible {
  type: 'GET_READER_CONFIG';
  antennaId: number;
  requestedData: number;
  gpiPortNum: number;
  gpoPortNum: number;
}
interface ReaderConfigParameters extends Extensible {
  readerEventNotificationSpec?: ReaderEventNotificationSpec;
  antennaProperties?: AntennaProperties[];
  antennaConfigurations?: AntennaConfiguration[];
  roReportSpec?: ROReportSpec;
  accessReportSpec?: AccessReportSpec;
  keepaliveSpec?: KeepaliveSpec;
  gpoWriteData?: GPOWriteData[];
  gpiPortCurrentStates?: GPIPortCurrentState[];
  eventsAndReports?: EventsAndReports;
}
export interface GetReaderConfigResponse extends MessageHeader, ReaderConfigParameters {
  type: 'GET_READER_CONFIG_RESPONSE';
  llrpStatus: LLRPStatus;
  identification?: Identification;
  llrpConfigurationStateValue?: LLRPConfigurationStateValue;
}
export interface SetReaderConfig extends MessageHeader, ReaderConfigParameters {
  type: 'SET_READER_CONFIG';
  resetToFactoryDefault: boolean;
}
export interface AddROSpec extends MessageHeader {
  type: 'ADD_ROSPEC';
  roSpec: ROSpec;
}
export interface GetROSpecsResponse extends MessageHeader {
  type: 'GET_ROSPECS_RESPONSE';
  llrpStatus: LLRPStatus;
  roSpecs?: ROSpec[];
}
export interface ROAccessReport extends MessageHeader, Extensible {
  type: 'RO_ACCESS_REPORT';
  tagReportData?: TagReportData[];
  rfSurveyReportData?: RFSurveyReportData[];
}
export interface ReaderEventNotification extends MessageHeader {
  type: 'READER_EVENT_NOTIFICATION';
  readerEventNotificationData: ReaderEventNotificationData;
}
export interface CustomMessage extends MessageHeader {
  type: 'CUSTOM_MESSAGE';
  vendorId: number;
  /** MessageSubtype is u8 (unlike the Custom parameter's u32). */
  subtype: number;
  data: Buffer;
}
/** CUSTOM_MESSAGE vendor 25882 subtype 21 (4 reserved zero bytes). */
export interface ImpinjEnableExtensions extends MessageHeader, Extensible {
  type: 'IMPINJ_ENABLE_EXTENSIONS';
}
/** CUSTOM_MESSAGE vendor 25882 subtype 22. */
export interface ImpinjEnableExtensionsResponse extends MessageHeader, Extensible {
  type: 'IMPINJ_ENABLE_EXTENSIONS_RESPONSE';
  llrpStatus: LLRPStatus;
}
export interface GetSupportedVersionResponse extends MessageHeader {
  type: 'GET_SUPPORTED_VERSION_RESPONSE';
  currentVersion: number;
  supportedVersion: number;
  llrpStatus: LLRPStatus;
}
export interface SetProtocolVersion extends MessageHeader {
  type: 'SET_PROTOCOL_VERSION';
  protocolVersion: number;
}
/** A message type the codec does not model (still framed, body kept). */
export interface UnknownMessage extends MessageHeader {
  type: 'UNKNOWN_MESSAGE';
  messageType: number;
  body: Buffer;
}

export type LlrpMessage =
  | GetReaderCapabilities
  | GetReaderCapabilitiesResponse
  | GetReaderConfig
  | GetReaderConfigResponse
  | SetReaderConfig
  | StatusOnly<'SET_READER_CONFIG_RESPONSE'>
  | AddROSpec
  | StatusOnly<'ADD_ROSPEC_RESPONSE'>
  | RoSpecIdOnly<'DELETE_ROSPEC'>
  | StatusOnly<'DELETE_ROSPEC_RESPONSE'>
  | RoSpecIdOnly<'START_ROSPEC'>
  | StatusOnly<'START_ROSPEC_RESPONSE'>
  | RoSpecIdOnly<'STOP_ROSPEC'>
  | StatusOnly<'STOP_ROSPEC_RESPONSE'>
  | RoSpecIdOnly<'ENABLE_ROSPEC'>
  | StatusOnly<'ENABLE_ROSPEC_RESPONSE'>
  | RoSpecIdOnly<'DISABLE_ROSPEC'>
  | StatusOnly<'DISABLE_ROSPEC_RESPONSE'>
  | Empty<'GET_ROSPECS'>
  | GetROSpecsResponse
  | StatusOnly<'ADD_ACCESSSPEC_RESPONSE'>
  | AccessSpecIdOnly<'DELETE_ACCESSSPEC'>
  | StatusOnly<'DELETE_ACCESSSPEC_RESPONSE'>
  | AccessSpecIdOnly<'ENABLE_ACCESSSPEC'>
  | StatusOnly<'ENABLE_ACCESSSPEC_RESPONSE'>
  | AccessSpecIdOnly<'DISABLE_ACCESSSPEC'>
  | StatusOnly<'DISABLE_ACCESSSPEC_RESPONSE'>
  | Empty<'GET_REPORT'>
  | ROAccessReport
  | Empty<'KEEPALIVE'>
  | Empty<'KEEPALIVE_ACK'>
  | ReaderEventNotification
  | Empty<'ENABLE_EVENTS_AND_REPORTS'>
  | StatusOnly<'ERROR_MESSAGE'>
  | Empty<'CLOSE_CONNECTION'>
  | StatusOnly<'CLOSE_CONNECTION_RESPONSE'>
  | Empty<'GET_SUPPORTED_VERSION'>
  | GetSupportedVersionResponse
  | SetProtocolVersion
  | StatusOnly<'SET_PROTOCOL_VERSION_RESPONSE'>
  | CustomMessage
  | ImpinjEnableExtensions
  | ImpinjEnableExtensionsResponse
  | UnknownMessage;

export type LlrpMessageType = LlrpMessage['type'];
/** The message object of one type, e.g. `MessageOf<'ADD_ROSPEC'>`. */
export type MessageOf<T extends LlrpMessageType> = Extract<LlrpMessage, { type: T }>;
