import { describe, expect, it } from 'vitest';
import {
  LlrpFrameDecoder,
  decodeMessages,
  encodeMessage,
  microsToIso,
  microsToJson,
  statusCodeName,
  tagRssiDbm,
  type LlrpDecodeResult,
  type LlrpMessage,
} from '../../../adapters/llrp/index.js';
import { loadVectors } from './vectors.js';

/** Full messages of every vector line; V25 is a body-only capture and gets the header the reference gives. */
const VECTORS = loadVectors().map((v) =>
  v.id === 'V25' ? { ...v, bytes: Buffer.concat([Buffer.from('043f0000001e00000001', 'hex'), v.bytes]) } : v,
);

function messages(results: LlrpDecodeResult[]): LlrpMessage[] {
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r.message;
  });
}

const success = { type: 'LLRPStatus', statusCode: 0, errorDescription: '' };
const trd = (fields: Record<string, unknown>) => ({ type: 'TagReportData', ...fields });

/** What shared/reference/llrp.md §5 documents for each vector. */
const EXPECTED: Record<string, unknown[]> = {
  V01: [{ type: 'GET_READER_CAPABILITIES', version: 1, id: 1, requestedData: 0 }],
  V02: [{ type: 'GET_READER_CONFIG', id: 2, antennaId: 0, requestedData: 0, gpiPortNum: 0, gpoPortNum: 0 }],
  V03: [
    {
      type: 'READER_EVENT_NOTIFICATION',
      id: 0,
      readerEventNotificationData: {
        timestamp: { type: 'UTCTimestamp', microseconds: 1173286878714842n },
        connectionAttemptEvent: { type: 'ConnectionAttemptEvent', status: 0 },
      },
    },
  ],
  V05: [
    { type: 'SET_READER_CONFIG', id: 101, resetToFactoryDefault: true },
    { type: 'SET_READER_CONFIG_RESPONSE', id: 101, llrpStatus: success },
  ],
  V06: [
    { type: 'DELETE_ROSPEC', id: 102, roSpecId: 0 },
    { type: 'DELETE_ROSPEC_RESPONSE', id: 102, llrpStatus: success },
  ],
  V08: [
    {
      type: 'ADD_ROSPEC',
      id: 15,
      roSpec: {
        roSpecId: 1,
        priority: 0,
        currentState: 0,
        roBoundarySpec: {
          roSpecStartTrigger: { roSpecStartTriggerType: 1 },
          roSpecStopTrigger: { roSpecStopTriggerType: 1, durationTriggerValue: 3000 },
        },
        specs: [
          {
            type: 'AISpec',
            antennaIds: [1],
            aiSpecStopTrigger: { aiSpecStopTriggerType: 0 },
            inventoryParameterSpecs: [
              {
                inventoryParameterSpecId: 1234,
                protocolId: 1,
                antennaConfigurations: [
                  {
                    antennaId: 1,
                    c1g2InventoryCommands: [
                      {
                        tagInventoryStateAware: false,
                        c1g2RfControl: { modeIndex: 0, tari: 0 },
                        c1g2SingulationControl: { session: 1, tagPopulation: 1, tagTransitTime: 0 },
                      },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
    },
    { type: 'ADD_ROSPEC_RESPONSE', id: 15, llrpStatus: success },
  ],
  V09: [
    { type: 'ENABLE_ROSPEC', id: 7, roSpecId: 1 },
    { type: 'START_ROSPEC', id: 8, roSpecId: 1 },
  ],
  V11: [
    {
      type: 'RO_ACCESS_REPORT',
      id: 0,
      tagReportData: [
        trd({
          epc: '306EDD870775C77926B231A9',
          epcBitCount: 96,
          roSpecId: 1,
          specIndex: 0,
          inventoryParameterSpecId: 0,
          antennaId: 1,
          peakRssiDbm: 0,
          channelIndex: 0,
          firstSeenUtcUs: 1222091477000000n,
          lastSeenUtcUs: 1222091477000000n,
          tagSeenCount: 1,
        }),
      ],
    },
  ],
  V12: [
    {
      type: 'RO_ACCESS_REPORT',
      id: 0x4095892f,
      tagReportData: [
        trd({
          epc: '3005FB63AC1F3841EC880467',
          antennaId: 1,
          peakRssiDbm: -50,
          firstSeenUtcUs: 1385585041558537n,
          tagSeenCount: 1,
        }),
      ],
    },
  ],
  V14: [
    {
      type: 'RO_ACCESS_REPORT',
      id: 989540534,
      tagReportData: [
        trd({
          epc: '0B7F00000000000000510238',
          antennaId: 1,
          peakRssiDbm: -68,
          firstSeenUtcUs: 1557458645133781n,
        }),
      ],
    },
  ],
  V17: [
    { type: 'KEEPALIVE', id: 0 },
    { type: 'KEEPALIVE_ACK', id: 0 },
  ],
  V18: [
    { type: 'CLOSE_CONNECTION', id: 35 },
    { type: 'CLOSE_CONNECTION_RESPONSE', id: 35, llrpStatus: success },
  ],
  V19: [
    { type: 'IMPINJ_ENABLE_EXTENSIONS', id: 2 },
    { type: 'IMPINJ_ENABLE_EXTENSIONS_RESPONSE', id: 1, llrpStatus: success },
  ],
  V20: [
    {
      type: 'SET_READER_CONFIG',
      id: 3,
      resetToFactoryDefault: false,
      readerEventNotificationSpec: {
        eventNotificationStates: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((eventType) => ({
          type: 'EventNotificationState',
          eventType,
          notificationState: eventType === 2 || eventType === 6,
        })),
      },
      roReportSpec: {
        roReportTrigger: 2,
        n: 0,
        tagReportContentSelector: {
          enableRoSpecId: true,
          enableSpecIndex: true,
          enableInventoryParameterSpecId: true,
          enableAntennaId: true,
          enableChannelIndex: true,
          enablePeakRssi: true,
          enableFirstSeenTimestamp: true,
          enableLastSeenTimestamp: true,
          enableTagSeenCount: true,
          enableAccessSpecId: true,
        },
      },
      accessReportSpec: { accessReportTrigger: 1 },
      keepaliveSpec: { keepaliveTriggerType: 1, periodicTriggerValue: 5000 },
      eventsAndReports: { holdEventsAndReportsUponReconnect: true },
    },
  ],
  V24: [
    {
      type: 'ADD_ROSPEC',
      id: 3,
      roSpec: {
        roSpecId: 1000,
        roBoundarySpec: {
          roSpecStartTrigger: { roSpecStartTriggerType: 0 },
          roSpecStopTrigger: { roSpecStopTriggerType: 0 },
        },
        specs: [
          {
            antennaIds: [1, 2],
            inventoryParameterSpecs: [
              {
                inventoryParameterSpecId: 1,
                antennaConfigurations: [1, 2].map((antennaId) => ({
                  antennaId,
                  rfReceiver: { receiverSensitivity: 1 },
                  rfTransmitter: { hopTableId: 1, channelIndex: 0, transmitPower: 61 },
                  c1g2InventoryCommands: [
                    {
                      c1g2RfControl: { modeIndex: 2 },
                      c1g2SingulationControl: { session: 2, tagPopulation: 32 },
                    },
                  ],
                })),
              },
            ],
          },
        ],
        roReportSpec: {
          roReportTrigger: 1,
          n: 1,
          tagReportContentSelector: {
            enableRoSpecId: false,
            enableSpecIndex: false,
            enableInventoryParameterSpecId: false,
            enableAntennaId: true,
            enableChannelIndex: false,
            enablePeakRssi: true,
            enableFirstSeenTimestamp: true,
            enableLastSeenTimestamp: true,
            enableTagSeenCount: false,
            enableAccessSpecId: false,
          },
        },
      },
    },
  ],
  V25: [
    {
      type: 'READER_EVENT_NOTIFICATION',
      readerEventNotificationData: {
        timestamp: { type: 'UTCTimestamp', microseconds: 1596721689842138n },
        connectionCloseEvent: { type: 'ConnectionCloseEvent' },
      },
    },
  ],
  V28: [
    {
      type: 'RO_ACCESS_REPORT',
      id: 1,
      tagReportData: [
        trd({
          epc: '3005FB63AC1F3841EC880467',
          antennaId: 1,
          peakRssiDbm: -50,
          firstSeenUtcUs: 1385585041558537n,
          tagSeenCount: 1,
        }),
        trd({
          epc: '300833B2DDD906C000000000',
          antennaId: 1,
          peakRssiDbm: -58,
          firstSeenUtcUs: 1385585041562354n,
          tagSeenCount: 1,
        }),
      ],
    },
  ],
};

describe('LLRP reference vectors (real captures)', () => {
  it('has an expectation for every vector', () => {
    expect(VECTORS.map((v) => v.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const vector of VECTORS) {
    describe(`${vector.id} (${vector.source})`, () => {
      it('decodes to the fields the reference documents', () => {
        const decoded = messages(decodeMessages(vector.bytes));
        expect(decoded).toHaveLength(EXPECTED[vector.id]!.length);
        decoded.forEach((m, i) => expect(m).toMatchObject(EXPECTED[vector.id]![i] as object));
      });

      it('re-encodes to the same bytes', () => {
        const decoded = messages(decodeMessages(vector.bytes));
        expect(Buffer.concat(decoded.map(encodeMessage)).toString('hex')).toBe(vector.bytes.toString('hex'));
      });

      it('decodes identically when split at every byte offset', () => {
        const whole = messages(decodeMessages(vector.bytes));
        for (let cut = 0; cut <= vector.bytes.length; cut++) {
          const decoder = new LlrpFrameDecoder();
          const parts = [
            ...decoder.push(vector.bytes.subarray(0, cut)),
            ...decoder.push(vector.bytes.subarray(cut)),
          ];
          expect(decoder.bufferedBytes).toBe(0);
          expect(messages(parts)).toEqual(whole);
        }
      });

      it('decodes identically when fed one byte at a time', () => {
        const decoder = new LlrpFrameDecoder();
        const out: LlrpDecodeResult[] = [];
        for (let i = 0; i < vector.bytes.length; i++)
          out.push(...decoder.push(vector.bytes.subarray(i, i + 1)));
        expect(messages(out)).toEqual(messages(decodeMessages(vector.bytes)));
      });
    });
  }

  it('reads RSSI and status names the way the adapter will', () => {
    const [report] = messages(decodeMessages(VECTORS.find((v) => v.id === 'V12')!.bytes));
    expect(report?.type === 'RO_ACCESS_REPORT' && tagRssiDbm(report.tagReportData![0]!)).toBe(-50);
    expect(statusCodeName(0)).toBe('M_Success');
    expect(statusCodeName(109)).toBe('M_UnsupportedMessage');
    expect(statusCodeName(999)).toBe('Unknown_999');
    // V03's timestamp as the reference renders it, every microsecond kept.
    expect(microsToIso(1173286878714842n)).toBe('2007-03-07T17:01:18.714842Z');
    expect(microsToJson(1173286878714842n)).toBe(1173286878714842);
    expect(microsToJson(2n ** 53n)).toBe('9007199254740992');
  });

  it('decodes all vectors coalesced into one stream, with stream offsets', () => {
    const all = Buffer.concat(VECTORS.map((v) => v.bytes));
    const results = decodeMessages(all);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results).toHaveLength(Object.values(EXPECTED).flat().length);
    let offset = 0;
    for (const r of results) {
      expect(r.offset).toBe(offset);
      offset += r.ok ? r.length : 0;
    }
    expect(offset).toBe(all.length);
  });
});
