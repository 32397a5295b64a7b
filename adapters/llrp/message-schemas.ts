import { f, s, type MessageSpec } from './codec-schema.js';
import { IMPINJ_MESSAGES } from './impinj.js';
import { MessageType as M, type MessageTypeName } from './message-types.js';

/**
 * Message bodies after the 10-byte header (binary spec 1.0.1 §16.1 / 1.1 §17.1; fields from
 * `llrp-1x0-def.xml`). CUSTOM_MESSAGE (1023) is generic here; vendor messages the codec models are
 * listed in impinj.ts and chosen by vendor + subtype.
 */
const m = (
  name: MessageTypeName,
  fields: MessageSpec['fields'],
  slots: MessageSpec['slots'] = [],
): MessageSpec => ({
  name,
  typeNum: M[name],
  fields,
  slots,
});
const status = s.one('llrpStatus', 'LLRPStatus');
const statusOnly = (name: MessageTypeName) => m(name, [], [status]);
const empty = (name: MessageTypeName) => m(name, []);

const ren = s.opt('readerEventNotificationSpec', 'ReaderEventNotificationSpec');
const antennaProperties = s.many('antennaProperties', 'AntennaProperties');
const antennaConfigurations = s.many('antennaConfigurations', 'AntennaConfiguration');
const roReportSpec = s.opt('roReportSpec', 'ROReportSpec');
const accessReportSpec = s.opt('accessReportSpec', 'AccessReportSpec');
const keepaliveSpec = s.opt('keepaliveSpec', 'KeepaliveSpec');
const gpo = s.many('gpoWriteData', 'GPOWriteData');
const gpi = s.many('gpiPortCurrentStates', 'GPIPortCurrentState');
const eventsAndReports = s.opt('eventsAndReports', 'EventsAndReports');

export const MESSAGES: readonly MessageSpec[] = [
  m('GET_READER_CAPABILITIES', [f.u8('requestedData')], [s.custom()]),
  m(
    'GET_READER_CAPABILITIES_RESPONSE',
    [],
    [
      status,
      s.opt('generalDeviceCapabilities', 'GeneralDeviceCapabilities'),
      s.opt('llrpCapabilities', 'LLRPCapabilities'),
      s.opt('regulatoryCapabilities', 'RegulatoryCapabilities'),
      s.opt('c1g2LlrpCapabilities', 'C1G2LLRPCapabilities'),
      s.custom(),
    ],
  ),
  m(
    'GET_READER_CONFIG',
    [f.u16('antennaId'), f.u8('requestedData'), f.u16('gpiPortNum'), f.u16('gpoPortNum')],
    [s.custom()],
  ),
  // The orders differ between the response and SET_READER_CONFIG (llrp-1x0-def.xml; the Impinj
  // capture of sllurp test_parse_get_reader_config has the response order).
  m(
    'GET_READER_CONFIG_RESPONSE',
    [],
    [
      status,
      s.opt('identification', 'Identification'),
      antennaProperties,
      antennaConfigurations,
      ren,
      roReportSpec,
      accessReportSpec,
      s.opt('llrpConfigurationStateValue', 'LLRPConfigurationStateValue'),
      keepaliveSpec,
      gpi,
      gpo,
      eventsAndReports,
      s.custom(),
    ],
  ),
  m(
    'SET_READER_CONFIG',
    [f.flag('resetToFactoryDefault'), f.rsvd(7)],
    [
      ren,
      antennaProperties,
      antennaConfigurations,
      roReportSpec,
      accessReportSpec,
      keepaliveSpec,
      gpo,
      gpi,
      eventsAndReports,
      s.custom(),
    ],
  ),
  statusOnly('SET_READER_CONFIG_RESPONSE'),
  m('ADD_ROSPEC', [], [s.one('roSpec', 'ROSpec')]),
  statusOnly('ADD_ROSPEC_RESPONSE'),
  m('DELETE_ROSPEC', [f.u32('roSpecId')]),
  statusOnly('DELETE_ROSPEC_RESPONSE'),
  m('START_ROSPEC', [f.u32('roSpecId')]),
  statusOnly('START_ROSPEC_RESPONSE'),
  m('STOP_ROSPEC', [f.u32('roSpecId')]),
  statusOnly('STOP_ROSPEC_RESPONSE'),
  m('ENABLE_ROSPEC', [f.u32('roSpecId')]),
  statusOnly('ENABLE_ROSPEC_RESPONSE'),
  m('DISABLE_ROSPEC', [f.u32('roSpecId')]),
  statusOnly('DISABLE_ROSPEC_RESPONSE'),
  empty('GET_ROSPECS'),
  m('GET_ROSPECS_RESPONSE', [], [status, s.many('roSpecs', 'ROSpec')]),
  statusOnly('ADD_ACCESSSPEC_RESPONSE'),
  m('DELETE_ACCESSSPEC', [f.u32('accessSpecId')]),
  statusOnly('DELETE_ACCESSSPEC_RESPONSE'),
  m('ENABLE_ACCESSSPEC', [f.u32('accessSpecId')]),
  statusOnly('ENABLE_ACCESSSPEC_RESPONSE'),
  m('DISABLE_ACCESSSPEC', [f.u32('accessSpecId')]),
  statusOnly('DISABLE_ACCESSSPEC_RESPONSE'),
  empty('GET_REPORT'),
  m(
    'RO_ACCESS_REPORT',
    [],
    [
      s.many('tagReportData', 'TagReportData'),
      s.many('rfSurveyReportData', 'RFSurveyReportData'),
      s.custom(),
    ],
  ),
  empty('KEEPALIVE'),
  empty('KEEPALIVE_ACK'),
  m('READER_EVENT_NOTIFICATION', [], [s.one('readerEventNotificationData', 'ReaderEventNotificationData')]),
  empty('ENABLE_EVENTS_AND_REPORTS'),
  statusOnly('ERROR_MESSAGE'),
  empty('CLOSE_CONNECTION'),
  statusOnly('CLOSE_CONNECTION_RESPONSE'),
  empty('GET_SUPPORTED_VERSION'),
  // The only response whose LLRPStatus follows fields (1.1 §17.1.x; edgex reader.go getSupportedVersion).
  m('GET_SUPPORTED_VERSION_RESPONSE', [f.u8('currentVersion'), f.u8('supportedVersion')], [status]),
  m('SET_PROTOCOL_VERSION', [f.u8('protocolVersion')]),
  statusOnly('SET_PROTOCOL_VERSION_RESPONSE'),
  m('CUSTOM_MESSAGE', [f.u32('vendorId'), f.u8('subtype'), f.bytesToEnd('data')]),
  ...IMPINJ_MESSAGES,
];

/** Specs of standard messages by type number. */
export const MESSAGE_SPECS = new Map<number, MessageSpec>(
  MESSAGES.filter((x) => x.vendorId === undefined).map((x) => [x.typeNum, x]),
);
export const MESSAGE_SPECS_BY_NAME = new Map<string, MessageSpec>(MESSAGES.map((x) => [x.name, x]));
/** Vendor CUSTOM_MESSAGE specs by `vendorId:subtype`. */
export const CUSTOM_MESSAGE_SPECS = new Map<string, MessageSpec>(
  MESSAGES.filter((x) => x.vendorId !== undefined).map((x) => [`${x.vendorId}:${x.subtype}`, x]),
);
