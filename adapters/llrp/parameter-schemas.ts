import { f, s, type ParamSpec } from './codec-schema.js';
import { IMPINJ_PARAMETERS } from './impinj.js';
import { ParameterType as P } from './parameter-types.js';
import { TvType } from './tv-lengths.js';

/**
 * Layouts of the parameters the generic codec handles (binary spec 1.0.1 §16.2 / 1.1 §17.2; field
 * widths from `llrp-1x0-def.xml`). TagReportData (240) and EPCData (241) have a hand-written fast
 * path in tag-report.ts; Custom (1023) is dispatched in custom.ts.
 */
const p = (name: keyof typeof P, fields: ParamSpec['fields'], slots: ParamSpec['slots'] = []): ParamSpec => ({
  name,
  typeNum: P[name],
  fields,
  slots,
});
/** TV parameters that appear outside TagReportData (§16.2.7.3 and events). */
const tv = (name: string, typeNum: number, fields: ParamSpec['fields']): ParamSpec => ({
  name,
  typeNum,
  tv: true,
  fields,
  slots: [],
});
const timestamp = ['UTCTimestamp', 'Uptime'];

export const PARAMETERS: readonly ParamSpec[] = [
  // §16.2.2 timestamps
  p('UTCTimestamp', [f.u64('microseconds')]),
  p('Uptime', [f.u64('microseconds')]),

  // §16.2.3 capabilities
  p(
    'GeneralDeviceCapabilities',
    [
      f.u16('maxNumberOfAntennaSupported'),
      f.flag('canSetAntennaProperties'),
      f.flag('hasUtcClockCapability'),
      f.rsvd(14),
      f.u32('deviceManufacturerName'),
      f.u32('modelName'),
      f.utf8v('readerFirmwareVersion'),
    ],
    [
      s.many('receiveSensitivityTableEntries', 'ReceiveSensitivityTableEntry'),
      s.many('perAntennaReceiveSensitivityRanges', 'PerAntennaReceiveSensitivityRange'),
      s.opt('maximumReceiveSensitivity', 'MaximumReceiveSensitivity'),
      s.opt('gpioCapabilities', 'GPIOCapabilities'),
      s.many('perAntennaAirProtocols', 'PerAntennaAirProtocol'),
    ],
  ),
  p('ReceiveSensitivityTableEntry', [f.u16('index'), f.s16('receiveSensitivityValue')]),
  p('PerAntennaReceiveSensitivityRange', [
    f.u16('antennaId'),
    f.u16('receiveSensitivityIndexMin'),
    f.u16('receiveSensitivityIndexMax'),
  ]),
  p('MaximumReceiveSensitivity', [f.s16('maximumSensitivityValue')]),
  p('PerAntennaAirProtocol', [f.u16('antennaId'), f.u8v('protocolIds')]),
  p('GPIOCapabilities', [f.u16('numGpis'), f.u16('numGpos')]),
  p('LLRPCapabilities', [
    f.flag('canDoRfSurvey'),
    f.flag('canReportBufferFillWarning'),
    f.flag('supportsClientRequestOpSpec'),
    f.flag('canDoTagInventoryStateAwareSingulation'),
    f.flag('supportsEventAndReportHolding'),
    f.rsvd(3),
    f.u8('maxPriorityLevelsSupported'),
    f.u16('clientRequestOpSpecTimeout'),
    f.u32('maxNumRoSpecs'),
    f.u32('maxNumSpecsPerRoSpec'),
    f.u32('maxNumInventoryParameterSpecsPerAiSpec'),
    f.u32('maxNumAccessSpecs'),
    f.u32('maxNumOpSpecsPerAccessSpec'),
  ]),
  p(
    'RegulatoryCapabilities',
    [f.u16('countryCode'), f.u16('communicationsStandard')],
    [s.opt('uhfBandCapabilities', 'UHFBandCapabilities'), s.custom()],
  ),
  p(
    'UHFBandCapabilities',
    [],
    [
      s.some('transmitPowerLevelTableEntries', 'TransmitPowerLevelTableEntry'),
      s.one('frequencyInformation', 'FrequencyInformation'),
      s.many('uhfC1g2RfModeTables', 'UHFC1G2RFModeTable'),
    ],
  ),
  p('TransmitPowerLevelTableEntry', [f.u16('index'), f.s16('transmitPowerValue')]),
  p(
    'FrequencyInformation',
    [f.flag('hopping'), f.rsvd(7)],
    [s.many('frequencyHopTables', 'FrequencyHopTable'), s.opt('fixedFrequencyTable', 'FixedFrequencyTable')],
  ),
  // HopTableID is u8 + 8 reserved here but u16 in RFTransmitter (spec erratum, edgex hacking_with_llrp.md).
  p('FrequencyHopTable', [f.u8('hopTableId'), f.rsvd(8), f.u32v('frequencies')]),
  p('FixedFrequencyTable', [f.u32v('frequencies')]),
  p('C1G2LLRPCapabilities', [
    f.flag('canSupportBlockErase'),
    f.flag('canSupportBlockWrite'),
    f.flag('canSupportBlockPermalock'),
    f.flag('canSupportTagRecommissioning'),
    f.flag('canSupportUmiMethod2'),
    f.flag('canSupportXpc'),
    f.rsvd(2),
    f.u16('maxNumSelectFiltersPerQuery'),
  ]),
  p('UHFC1G2RFModeTable', [], [s.some('entries', 'UHFC1G2RFModeTableEntry')]),
  p('UHFC1G2RFModeTableEntry', [
    f.u32('modeIdentifier'),
    f.flag('dr'),
    f.flag('epcHagTcConformance'),
    f.rsvd(6),
    f.u8('mValue'),
    f.u8('forwardLinkModulation'),
    f.u8('spectralMaskIndicator'),
    f.u32('bdrValue'),
    f.u32('pieValue'),
    f.u32('minTariValue'),
    f.u32('maxTariValue'),
    f.u32('stepTariValue'),
  ]),

  // §16.2.4 reader operations
  p(
    'ROSpec',
    [f.u32('roSpecId'), f.u8('priority'), f.u8('currentState')],
    [
      s.one('roBoundarySpec', 'ROBoundarySpec'),
      s.some('specs', 'AISpec', 'RFSurveySpec', 'Custom'),
      s.opt('roReportSpec', 'ROReportSpec'),
    ],
  ),
  p(
    'ROBoundarySpec',
    [],
    [s.one('roSpecStartTrigger', 'ROSpecStartTrigger'), s.one('roSpecStopTrigger', 'ROSpecStopTrigger')],
  ),
  p(
    'ROSpecStartTrigger',
    [f.u8('roSpecStartTriggerType')],
    [s.opt('periodicTriggerValue', 'PeriodicTriggerValue'), s.opt('gpiTriggerValue', 'GPITriggerValue')],
  ),
  p('PeriodicTriggerValue', [f.u32('offset'), f.u32('period')], [s.opt('utcTimestamp', 'UTCTimestamp')]),
  p('GPITriggerValue', [f.u16('gpiPortNum'), f.flag('gpiEvent'), f.rsvd(7), f.u32('timeout')]),
  p(
    'ROSpecStopTrigger',
    [f.u8('roSpecStopTriggerType'), f.u32('durationTriggerValue')],
    [s.opt('gpiTriggerValue', 'GPITriggerValue')],
  ),
  p(
    'AISpec',
    [f.u16v('antennaIds')],
    [
      s.one('aiSpecStopTrigger', 'AISpecStopTrigger'),
      s.some('inventoryParameterSpecs', 'InventoryParameterSpec'),
      s.custom(),
    ],
  ),
  p(
    'AISpecStopTrigger',
    [f.u8('aiSpecStopTriggerType'), f.u32('durationTrigger')],
    [s.opt('gpiTriggerValue', 'GPITriggerValue'), s.opt('tagObservationTrigger', 'TagObservationTrigger')],
  ),
  p('TagObservationTrigger', [
    f.u8('triggerType'),
    f.rsvd(8),
    f.u16('numberOfTags'),
    f.u16('numberOfAttempts'),
    f.u16('t'),
    f.u32('timeout'),
  ]),
  p(
    'InventoryParameterSpec',
    [f.u16('inventoryParameterSpecId'), f.u8('protocolId')],
    [s.many('antennaConfigurations', 'AntennaConfiguration'), s.custom()],
  ),
  p(
    'RFSurveySpec',
    [f.u16('antennaId'), f.u32('startFrequency'), f.u32('endFrequency')],
    [s.one('rfSurveySpecStopTrigger', 'RFSurveySpecStopTrigger'), s.custom()],
  ),
  p('RFSurveySpecStopTrigger', [f.u8('stopTriggerType'), f.u32('durationPeriod'), f.u32('n')]),

  // §16.2.6 configuration
  p('LLRPConfigurationStateValue', [f.u32('llrpConfigurationStateValue')]),
  p('Identification', [f.u8('idType'), f.bytes('readerId')]),
  p('GPOWriteData', [f.u16('gpoPortNumber'), f.flag('gpoData'), f.rsvd(7)]),
  p('KeepaliveSpec', [f.u8('keepaliveTriggerType'), f.u32('periodicTriggerValue')]),
  p('AntennaProperties', [f.flag('antennaConnected'), f.rsvd(7), f.u16('antennaId'), f.s16('antennaGain')]),
  p(
    'AntennaConfiguration',
    [f.u16('antennaId')],
    [
      s.opt('rfReceiver', 'RFReceiver'),
      s.opt('rfTransmitter', 'RFTransmitter'),
      s.many('c1g2InventoryCommands', 'C1G2InventoryCommand'),
      s.custom(),
    ],
  ),
  p('RFReceiver', [f.u16('receiverSensitivity')]),
  p('RFTransmitter', [f.u16('hopTableId'), f.u16('channelIndex'), f.u16('transmitPower')]),
  p('GPIPortCurrentState', [f.u16('gpiPortNum'), f.flag('config'), f.rsvd(7), f.u8('state')]),
  p('EventsAndReports', [f.flag('holdEventsAndReportsUponReconnect'), f.rsvd(7)]),

  // §16.2.7 reporting
  p(
    'ROReportSpec',
    [f.u8('roReportTrigger'), f.u16('n')],
    [s.one('tagReportContentSelector', 'TagReportContentSelector'), s.custom()],
  ),
  p(
    'TagReportContentSelector',
    [
      f.flag('enableRoSpecId'),
      f.flag('enableSpecIndex'),
      f.flag('enableInventoryParameterSpecId'),
      f.flag('enableAntennaId'),
      f.flag('enableChannelIndex'),
      f.flag('enablePeakRssi'),
      f.flag('enableFirstSeenTimestamp'),
      f.flag('enableLastSeenTimestamp'),
      f.flag('enableTagSeenCount'),
      f.flag('enableAccessSpecId'),
      f.rsvd(6),
    ],
    [s.many('c1g2EpcMemorySelectors', 'C1G2EPCMemorySelector')],
  ),
  p('AccessReportSpec', [f.u8('accessReportTrigger')]),
  p(
    'RFSurveyReportData',
    [],
    [
      s.tv('roSpecId', 'ROSpecID', 'roSpecId'),
      s.tv('specIndex', 'SpecIndex', 'specIndex'),
      s.some('frequencyRssiLevelEntries', 'FrequencyRSSILevelEntry'),
      s.custom(),
    ],
  ),
  p(
    'FrequencyRSSILevelEntry',
    [f.u32('frequency'), f.u32('bandwidth'), f.s8('averageRssi'), f.s8('peakRssi')],
    [s.one('timestamp', ...timestamp)],
  ),
  p('ReaderEventNotificationSpec', [], [s.some('eventNotificationStates', 'EventNotificationState')]),
  p('EventNotificationState', [f.u16('eventType'), f.flag('notificationState'), f.rsvd(7)]),
  p(
    'ReaderEventNotificationData',
    [],
    [
      // Exactly one timestamp per spec; optional here because some readers omit it (sllurp #115).
      s.opt('timestamp', ...timestamp),
      s.opt('hoppingEvent', 'HoppingEvent'),
      s.opt('gpiEvent', 'GPIEvent'),
      s.opt('roSpecEvent', 'ROSpecEvent'),
      s.opt('reportBufferLevelWarningEvent', 'ReportBufferLevelWarningEvent'),
      s.opt('reportBufferOverflowErrorEvent', 'ReportBufferOverflowErrorEvent'),
      s.opt('readerExceptionEvent', 'ReaderExceptionEvent'),
      s.opt('rfSurveyEvent', 'RFSurveyEvent'),
      s.opt('aiSpecEvent', 'AISpecEvent'),
      s.opt('antennaEvent', 'AntennaEvent'),
      s.opt('connectionAttemptEvent', 'ConnectionAttemptEvent'),
      s.opt('connectionCloseEvent', 'ConnectionCloseEvent'),
      s.opt('specLoopEvent', 'SpecLoopEvent'),
      s.custom(),
    ],
  ),
  p('HoppingEvent', [f.u16('hopTableId'), f.u16('nextChannelIndex')]),
  p('GPIEvent', [f.u16('gpiPortNumber'), f.flag('gpiEvent'), f.rsvd(7)]),
  p('ROSpecEvent', [f.u8('eventType'), f.u32('roSpecId'), f.u32('preemptingRoSpecId')]),
  p('ReportBufferLevelWarningEvent', [f.u8('reportBufferPercentageFull')]),
  p('ReportBufferOverflowErrorEvent', []),
  p(
    'ReaderExceptionEvent',
    [f.utf8v('message')],
    [
      s.tv('roSpecId', 'ROSpecID', 'roSpecId'),
      s.tv('specIndex', 'SpecIndex', 'specIndex'),
      s.tv('inventoryParameterSpecId', 'InventoryParameterSpecID', 'inventoryParameterSpecId'),
      s.tv('antennaId', 'AntennaID', 'antennaId'),
      s.tv('accessSpecId', 'AccessSpecID', 'accessSpecId'),
      s.tv('opSpecId', 'OpSpecID', 'opSpecId'),
      s.custom(),
    ],
  ),
  p('RFSurveyEvent', [f.u8('eventType'), f.u32('roSpecId'), f.u16('specIndex')]),
  p(
    'AISpecEvent',
    [f.u8('eventType'), f.u32('roSpecId'), f.u16('specIndex')],
    [s.opt('c1g2SingulationDetails', 'C1G2SingulationDetails')],
  ),
  p('AntennaEvent', [f.u8('eventType'), f.u16('antennaId')]),
  p('ConnectionAttemptEvent', [f.u16('status')]),
  p('ConnectionCloseEvent', []),
  p('SpecLoopEvent', [f.u32('roSpecId'), f.u32('loopCount')]),

  // §16.2.8 status
  p(
    'LLRPStatus',
    [f.u16('statusCode'), f.utf8v('errorDescription')],
    [s.opt('fieldError', 'FieldError'), s.opt('parameterError', 'ParameterError')],
  ),
  p('FieldError', [f.u16('fieldNum'), f.u16('errorCode')]),
  p(
    'ParameterError',
    [f.u16('parameterType'), f.u16('errorCode')],
    [s.opt('fieldError', 'FieldError'), s.opt('parameterError', 'ParameterError')],
  ),

  // §16.3.1 C1G2 air protocol
  p(
    'C1G2InventoryCommand',
    [f.flag('tagInventoryStateAware'), f.rsvd(7)],
    [
      s.many('c1g2Filters', 'C1G2Filter'),
      s.opt('c1g2RfControl', 'C1G2RFControl'),
      s.opt('c1g2SingulationControl', 'C1G2SingulationControl'),
      s.custom(),
    ],
  ),
  p(
    'C1G2Filter',
    [f.bits('t', 2), f.rsvd(6)],
    [
      s.one('c1g2TagInventoryMask', 'C1G2TagInventoryMask'),
      s.opt('c1g2TagInventoryStateAwareFilterAction', 'C1G2TagInventoryStateAwareFilterAction'),
      s.opt('c1g2TagInventoryStateUnawareFilterAction', 'C1G2TagInventoryStateUnawareFilterAction'),
    ],
  ),
  p('C1G2TagInventoryMask', [f.bits('mb', 2), f.rsvd(6), f.u16('pointer'), f.u1v('tagMask')]),
  p('C1G2TagInventoryStateAwareFilterAction', [f.u8('target'), f.u8('action')]),
  p('C1G2TagInventoryStateUnawareFilterAction', [f.u8('action')]),
  p('C1G2RFControl', [f.u16('modeIndex'), f.u16('tari')]),
  p(
    'C1G2SingulationControl',
    [f.bits('session', 2), f.rsvd(6), f.u16('tagPopulation'), f.u32('tagTransitTime')],
    [s.opt('c1g2TagInventoryStateAwareSingulationAction', 'C1G2TagInventoryStateAwareSingulationAction')],
  ),
  p('C1G2TagInventoryStateAwareSingulationAction', [f.flag('i'), f.flag('s'), f.rsvd(6)]),
  p('C1G2EPCMemorySelector', [
    f.flag('enableCrc'),
    f.flag('enablePcBits'),
    f.flag('enableXpcBits'),
    f.rsvd(5),
  ]),
  p('C1G2ReadOpSpecResult', [f.u8('result'), f.u16('opSpecId'), f.u16v('readData')]),
  p('C1G2WriteOpSpecResult', [f.u8('result'), f.u16('opSpecId'), f.u16('numWordsWritten')]),
  p('C1G2KillOpSpecResult', [f.u8('result'), f.u16('opSpecId')]),
  p('C1G2LockOpSpecResult', [f.u8('result'), f.u16('opSpecId')]),
  p('C1G2BlockEraseOpSpecResult', [f.u8('result'), f.u16('opSpecId')]),
  p('C1G2BlockWriteOpSpecResult', [f.u8('result'), f.u16('opSpecId'), f.u16('numWordsWritten')]),

  // TV parameters used outside TagReportData
  tv('ROSpecID', TvType.ROSpecID, [f.u32('roSpecId')]),
  tv('SpecIndex', TvType.SpecIndex, [f.u16('specIndex')]),
  tv('InventoryParameterSpecID', TvType.InventoryParameterSpecID, [f.u16('inventoryParameterSpecId')]),
  tv('AntennaID', TvType.AntennaID, [f.u16('antennaId')]),
  tv('AccessSpecID', TvType.AccessSpecID, [f.u32('accessSpecId')]),
  tv('OpSpecID', TvType.OpSpecID, [f.u16('opSpecId')]),
  tv('C1G2SingulationDetails', TvType.C1G2SingulationDetails, [
    f.u16('numCollisionSlots'),
    f.u16('numEmptySlots'),
  ]),

  ...IMPINJ_PARAMETERS,
];

/** Generic specs by TLV type number (Custom and vendor specs excluded). */
export const TLV_SPECS = new Map<number, ParamSpec>(
  PARAMETERS.filter((x) => !x.tv && x.vendorId === undefined).map((x) => [x.typeNum, x]),
);
/** Generic specs by TV type number. */
export const TV_SPECS = new Map<number, ParamSpec>(PARAMETERS.filter((x) => x.tv).map((x) => [x.typeNum, x]));
/** Every spec by its name (the `type` of the decoded object). */
export const SPECS_BY_NAME = new Map<string, ParamSpec>(PARAMETERS.map((x) => [x.name, x]));
/** Vendor Custom specs by `vendorId:subtype`. */
export const CUSTOM_SPECS = new Map<string, ParamSpec>(
  PARAMETERS.filter((x) => x.vendorId !== undefined).map((x) => [`${x.vendorId}:${x.subtype}`, x]),
);
