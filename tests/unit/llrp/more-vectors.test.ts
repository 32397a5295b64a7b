import { describe, expect, it } from 'vitest';
import {
  LlrpFrameDecoder,
  decodeMessage,
  decodeMessages,
  encodeMessage,
  statusCodeName,
  type MessageOf,
} from '../../../adapters/llrp/index.js';
import { loadVectors } from './vectors.js';

const VECTORS = new Map(loadVectors('more-vectors.txt').map((v) => [v.id, v]));
const bytesOf = (id: string) => VECTORS.get(id)!.bytes;

describe('more real LLRP captures (llrp-rs, sllurp)', () => {
  it('every capture re-encodes to the same bytes and survives every split', () => {
    expect(VECTORS.size).toBe(6);
    for (const v of VECTORS.values()) {
      const whole = decodeMessages(v.bytes).map((r) => {
        if (!r.ok) throw r.error;
        return r.message;
      });
      expect(Buffer.concat(whole.map(encodeMessage)).toString('hex'), v.id).toBe(v.hex);
      for (let cut = 1; cut < v.bytes.length; cut++) {
        const decoder = new LlrpFrameDecoder();
        const out = [...decoder.push(v.bytes.subarray(0, cut)), ...decoder.push(v.bytes.subarray(cut))];
        expect(out.map((r) => r.ok && r.message)).toEqual(whole);
      }
    }
  });

  it('R01 REN from Impinj firmware 5.2: id, timestamp and connection status as llrp-rs asserts', () => {
    const m = decodeMessage(bytesOf('R01')) as MessageOf<'READER_EVENT_NOTIFICATION'>;
    expect(m.id).toBe(989540519);
    expect(m.readerEventNotificationData.timestamp).toEqual({
      type: 'UTCTimestamp',
      microseconds: 1557458516414125n,
    });
    expect(m.readerEventNotificationData.connectionAttemptEvent?.status).toBe(0);
  });

  it('R02/R03 ENABLE_EVENTS_AND_REPORTS and DELETE_ACCESSSPEC', () => {
    expect(decodeMessage(bytesOf('R02'))).toEqual({ type: 'ENABLE_EVENTS_AND_REPORTS', id: 8, version: 1 });
    expect(decodeMessage(bytesOf('R03'))).toEqual({
      type: 'DELETE_ACCESSSPEC',
      id: 9,
      version: 1,
      accessSpecId: 431,
    });
  });

  it('R04 DELETE_ACCESSSPEC_RESPONSE with M_FieldError and a FieldError', () => {
    const m = decodeMessage(bytesOf('R04')) as MessageOf<'DELETE_ACCESSSPEC_RESPONSE'>;
    expect(m.llrpStatus).toEqual({
      type: 'LLRPStatus',
      statusCode: 101,
      errorDescription: 'LLRP [409] : //AccessSpecID : invalid',
      fieldError: { type: 'FieldError', fieldNum: 1, errorCode: 300 },
    });
    expect(statusCodeName(m.llrpStatus.statusCode)).toBe('M_FieldError');
    expect(statusCodeName(m.llrpStatus.fieldError!.errorCode)).toBe('A_Invalid');
  });

  it('R05 Impinj GET_READER_CONFIG_RESPONSE: standard parameters typed, 32 vendor parameters kept', () => {
    const m = decodeMessage(bytesOf('R05')) as MessageOf<'GET_READER_CONFIG_RESPONSE'>;
    expect(bytesOf('R05')).toHaveLength(843);
    expect(m.llrpStatus.statusCode).toBe(0);
    expect(m.identification).toEqual({
      type: 'Identification',
      idType: 0,
      readerId: Buffer.from('001625ffff10ba47', 'hex'),
    });
    expect(m.antennaProperties?.map((a) => [a.antennaId, a.antennaConnected])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(m.antennaConfigurations?.map((a) => a.rfTransmitter?.transmitPower)).toEqual([81, 81]);
    const command = m.antennaConfigurations![0]!.c1g2InventoryCommands![0]!;
    expect(command.c1g2SingulationControl).toMatchObject({ session: 1, tagPopulation: 32 });
    expect(command.custom?.[0]).toEqual({ type: 'ImpinjInventorySearchMode', inventorySearchMode: 0 });
    expect(m.readerEventNotificationSpec?.eventNotificationStates).toHaveLength(9);
    expect(m.roReportSpec?.tagReportContentSelector).toMatchObject({
      enableAntennaId: true,
      enablePeakRssi: true,
    });
    expect(m.keepaliveSpec).toEqual({
      type: 'KeepaliveSpec',
      keepaliveTriggerType: 0,
      periodicTriggerValue: 0,
    });
    expect(m.gpiPortCurrentStates).toHaveLength(4);
    expect(m.gpoWriteData).toHaveLength(4);
    expect(m.eventsAndReports).toEqual({
      type: 'EventsAndReports',
      holdEventsAndReportsUponReconnect: false,
    });
    // sllurp counts 32 top-level vendor parameters after LLRPStatus and Identification.
    const topLevel =
      (m.antennaProperties?.length ?? 0) +
      (m.antennaConfigurations?.length ?? 0) +
      [
        m.readerEventNotificationSpec,
        m.roReportSpec,
        m.accessReportSpec,
        m.llrpConfigurationStateValue,
        m.keepaliveSpec,
        m.eventsAndReports,
      ].filter((x) => x !== undefined).length +
      (m.gpiPortCurrentStates?.length ?? 0) +
      (m.gpoWriteData?.length ?? 0) +
      (m.custom?.length ?? 0) +
      (m.unknown?.length ?? 0);
    expect(topLevel).toBe(32);
    expect(m.custom?.every((c) => c.type === 'Custom' && c.vendorId === 25882)).toBe(true);
  });

  it('R06 sllurp stream: 45 reports back to back give 45 tags, one a 144-bit EPCData', () => {
    const results = decodeMessages(bytesOf('R06'));
    expect(bytesOf('R06')).toHaveLength(1991);
    const reports = results.map((r) => {
      if (!r.ok) throw r.error;
      return r.message as MessageOf<'RO_ACCESS_REPORT'>;
    });
    expect(reports.map((m) => m.id)).toEqual(Array.from({ length: 45 }, (_, i) => 0x4095892f + i));
    const tags = reports.flatMap((m) => m.tagReportData ?? []);
    expect(tags).toHaveLength(45);
    const long = tags.filter((t) => t.epcBitCount !== 96);
    expect(long).toMatchObject([
      {
        epc: '1FB41F712AC9C37AB79D618173188324001A',
        epcBitCount: 144,
        epcParameter: 'EPCData',
        peakRssiDbm: -17,
      },
    ]);
    expect(new Set(tags.map((t) => t.epc)).size).toBe(3);
  });
});
