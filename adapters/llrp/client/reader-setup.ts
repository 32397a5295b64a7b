import type {
  AISpec,
  AntennaConfiguration,
  C1G2InventoryCommand,
  CustomLike,
  MessageOf,
  ROReportSpec,
  ROSpec,
} from '../types.js';
import { SEARCH_MODES, type RoSpecSettings } from './options.js';

/**
 * The messages the client sends to set a reader up, built from its settings. Pure: settings in,
 * message objects out (the codec encodes them).
 */

/** Reader events the client asks for (spec §12.2.6 EventNotificationState.EventType). */
const EVENTS_WANTED: ReadonlyArray<[eventType: number, on: boolean]> = [
  [0, false], // Hopping: one per channel hop, noise
  [1, false], // GPI
  [2, true], // ROSpec start/end: tells when inventory really runs
  [3, true], // ReportBufferFillWarning: the reader is about to drop reads
  [4, true], // ReaderException
  [5, false], // RFSurvey
  [6, false], // AISpec end: one per report period, noise
  [7, false], // AISpecWithDetails
  [8, true], // Antenna connected/disconnected
];

/**
 * SET_READER_CONFIG: which events to send, the reader's default report spec (the same one the
 * ROSpec carries, for reports of specs that have none), KEEPALIVE every `keepaliveMs` (spec §12.2.4;
 * 0 asks for none), and do not hold events and reports across reconnects (EventsAndReports,
 * §12.2.7): the client configures the reader afresh on every connection anyway.
 */
export function setReaderConfigMessage(
  id: number,
  keepaliveMs: number,
  reportSpec?: ROReportSpec,
): MessageOf<'SET_READER_CONFIG'> {
  return {
    type: 'SET_READER_CONFIG',
    id,
    resetToFactoryDefault: false,
    readerEventNotificationSpec: {
      type: 'ReaderEventNotificationSpec',
      eventNotificationStates: EVENTS_WANTED.map(([eventType, on]) => ({
        type: 'EventNotificationState',
        eventType,
        notificationState: on,
      })),
    },
    ...(reportSpec === undefined ? {} : { roReportSpec: reportSpec }),
    keepaliveSpec: {
      type: 'KeepaliveSpec',
      keepaliveTriggerType: keepaliveMs > 0 ? 1 : 0,
      periodicTriggerValue: keepaliveMs,
    },
    eventsAndReports: { type: 'EventsAndReports', holdEventsAndReportsUponReconnect: false },
  };
}

/**
 * The report spec: every N tags and/or at the end of each AISpec (which lasts `reportEveryMs`),
 * with the fields a TagRead needs (antenna, RSSI, first/last seen, count).
 */
export function roReportSpec(settings: RoSpecSettings): ROReportSpec {
  const custom: CustomLike[] = [];
  if (settings.impinjExtensions) {
    custom.push({
      type: 'ImpinjTagReportContentSelector',
      enablePeakRssi: { type: 'ImpinjEnablePeakRSSI', mode: 1 },
    });
  }
  return {
    type: 'ROReportSpec',
    // 1 = Upon_N_Tags_Or_End_Of_AISpec (spec §13.2.1); N = 0 means "no tag-count trigger".
    roReportTrigger: 1,
    n: settings.reportEveryNTags,
    tagReportContentSelector: {
      type: 'TagReportContentSelector',
      enableRoSpecId: true,
      enableSpecIndex: false,
      enableInventoryParameterSpecId: false,
      enableAntennaId: true,
      enableChannelIndex: false,
      enablePeakRssi: true,
      enableFirstSeenTimestamp: true,
      enableLastSeenTimestamp: true,
      enableTagSeenCount: true,
      enableAccessSpecId: false,
    },
    ...(custom.length > 0 ? { custom } : {}),
  };
}

function inventoryCommand(settings: RoSpecSettings): C1G2InventoryCommand | undefined {
  const custom: CustomLike[] = [];
  if (settings.searchMode !== undefined)
    custom.push({
      type: 'ImpinjInventorySearchMode',
      inventorySearchMode: SEARCH_MODES[settings.searchMode],
    });
  if (settings.session === undefined && custom.length === 0) return undefined;
  return {
    type: 'C1G2InventoryCommand',
    tagInventoryStateAware: false,
    ...(settings.session === undefined
      ? {}
      : {
          c1g2SingulationControl: {
            type: 'C1G2SingulationControl',
            session: settings.session,
            tagPopulation: settings.tagPopulation,
            tagTransitTime: 0,
          },
        }),
    ...(custom.length > 0 ? { custom } : {}),
  };
}

/**
 * Per-antenna configuration, only when a setting asks for one: otherwise the reader keeps its
 * defaults (readers reject RF values their tables lack, reference §6 pitfall 9).
 */
function antennaConfigurations(settings: RoSpecSettings): AntennaConfiguration[] {
  const command = inventoryCommand(settings);
  if (command === undefined && settings.txPowerIndex === undefined) return [];
  return settings.antennas.map((antennaId) => ({
    type: 'AntennaConfiguration',
    antennaId,
    ...(settings.txPowerIndex === undefined
      ? {}
      : {
          rfTransmitter: {
            type: 'RFTransmitter',
            hopTableId: settings.hopTableId,
            channelIndex: settings.channelIndex,
            transmitPower: settings.txPowerIndex,
          },
        }),
    ...(command === undefined ? {} : { c1g2InventoryCommands: [command] }),
  }));
}

/**
 * The ROSpec (spec §10.2.1): Null start trigger (START_ROSPEC starts it, so the client decides
 * when inventory runs), Null stop trigger (runs until STOP_ROSPEC), one AISpec over `antennas`
 * that ends every `reportEveryMs` (Duration trigger; Null = never when 0), Gen2 protocol.
 */
export function roSpec(settings: RoSpecSettings): ROSpec {
  const configurations = antennaConfigurations(settings);
  const aiSpec: AISpec = {
    type: 'AISpec',
    antennaIds: settings.antennas,
    aiSpecStopTrigger: {
      type: 'AISpecStopTrigger',
      aiSpecStopTriggerType: settings.reportEveryMs > 0 ? 1 : 0,
      durationTrigger: settings.reportEveryMs,
    },
    inventoryParameterSpecs: [
      {
        type: 'InventoryParameterSpec',
        inventoryParameterSpecId: 1,
        protocolId: 1, // EPCGlobalClass1Gen2
        ...(configurations.length > 0 ? { antennaConfigurations: configurations } : {}),
      },
    ],
  };
  return {
    type: 'ROSpec',
    roSpecId: settings.rospecId,
    priority: 0,
    currentState: 0, // Disabled: ADD_ROSPEC requires it (spec §10.1.1)
    roBoundarySpec: {
      type: 'ROBoundarySpec',
      roSpecStartTrigger: { type: 'ROSpecStartTrigger', roSpecStartTriggerType: 0 },
      roSpecStopTrigger: { type: 'ROSpecStopTrigger', roSpecStopTriggerType: 0, durationTriggerValue: 0 },
    },
    specs: [aiSpec],
    roReportSpec: roReportSpec(settings),
  };
}
