import { describe, expect, it } from 'vitest';
import { LlrpClientErrorCode, tagReadOf } from '../../../adapters/llrp/client/index.js';
import { decodeHex, decodeMessage, emptyTagReportData } from '../../../adapters/llrp/index.js';

const RECEIVED_US = 1_764_000_000_000_000;

describe('TagReportData → TagRead', () => {
  it('reads a real Impinj report (reference V12): EPC-96, antenna, PeakRSSI, first seen µs, count', () => {
    const message = decodeMessage(
      decodeHex('043d0000002c4095892f00f000228d3005fb63ac1f3841ec88046781000186ce820004ec2ea8354c09880001'),
    );
    if (message.type !== 'RO_ACCESS_REPORT') throw new Error(`not a report: ${message.type}`);
    const outcome = tagReadOf(message.tagReportData![0]!, RECEIVED_US);
    expect(outcome).toEqual({
      kind: 'read',
      read: {
        epc: '3005FB63AC1F3841EC880467',
        antenna: 1,
        rssiDbm: -50,
        seenAtUs: 1385585041558537,
        count: 1,
      },
    });
  });

  it('prefers LastSeen to FirstSeen, ImpinjPeakRSSI (centi-dBm) to PeakRSSI, and keeps µs exact', () => {
    const trd = emptyTagReportData('E2003412012345678901ABCD');
    trd.antennaId = 3;
    trd.peakRssiDbm = -53;
    trd.firstSeenUtcUs = 1_764_000_000_000_001n;
    trd.lastSeenUtcUs = 1_764_000_000_123_457n;
    trd.tagSeenCount = 12;
    trd.custom = [{ type: 'ImpinjPeakRSSI', rssiCentiDbm: -5325 }];
    expect(tagReadOf(trd, RECEIVED_US)).toEqual({
      kind: 'read',
      read: {
        epc: 'E2003412012345678901ABCD',
        antenna: 3,
        rssiDbm: -53.25,
        seenAtUs: 1_764_000_000_123_457,
        count: 12,
      },
    });
  });

  it('uses the reception time when the reader only reports uptime', () => {
    const trd = emptyTagReportData('3005FB63AC1F3841EC880467');
    trd.antennaId = 1;
    trd.firstSeenUptimeUs = 5_000_000n;
    const outcome = tagReadOf(trd, RECEIVED_US);
    expect(outcome.kind === 'read' && outcome.read.seenAtUs).toBe(RECEIVED_US);
  });

  it.each([
    [
      'no AntennaID',
      (t: ReturnType<typeof emptyTagReportData>) => void (t.antennaId = undefined),
      /AntennaID/,
    ],
    ['antenna 0', (t: ReturnType<typeof emptyTagReportData>) => void (t.antennaId = 0), /antenna/],
    ['TagSeenCount 0', (t: ReturnType<typeof emptyTagReportData>) => void (t.tagSeenCount = 0), /count/],
    [
      'an empty EPC',
      (t: ReturnType<typeof emptyTagReportData>) => {
        t.epc = '';
        t.epcBitCount = 0;
      },
      /EPC is empty/,
    ],
  ])('refuses %s with BT_LLRP_BAD_READ naming the field', (_name, spoil, reason) => {
    const trd = emptyTagReportData('3005FB63AC1F3841EC880467');
    trd.antennaId = 1;
    spoil(trd);
    const outcome = tagReadOf(trd, RECEIVED_US);
    expect(outcome.kind).toBe('error');
    if (outcome.kind !== 'error') return;
    expect(outcome.error.code).toBe(LlrpClientErrorCode.BAD_READ);
    expect(outcome.error.message).toMatch(reason);
  });
});
