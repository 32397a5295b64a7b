import { describe, expect, test } from 'vitest';
import {
  cbvTerms,
  epcUrnToDigitalLink,
  eventHashId,
  hashPreHashString,
  preHashString,
  timeZoneOffset,
} from '../../../pipeline/epcis/index.js';

// tests/examples/epcisDocWithSingleEvent.{prehashes,hashes} of the CBV 2.0 event hash reference
// implementation (RalphTro/epcis-event-hash-generator).
const REFERENCE_PRE_HASH =
  'eventType=ObjectEventeventTime=2022-02-17T02:33:31.116ZeventTimeZoneOffset=-06:00' +
  'epcListepc=https://id.gs1.org/01/10614141073464/21/2017epc=https://id.gs1.org/01/10614141073464/21/2018' +
  'action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingdisposition=https://ref.gs1.org/cbv/Disp-in_transit' +
  'readPointid=https://id.gs1.org/414/0614141073467/254/1234' +
  'bizTransactionListbizTransaction=http://transaction.acme.com/po/12345678type=https://ref.gs1.org/cbv/BTT-po';
const REFERENCE_HASH =
  'ni:///sha-256;3e0f2437f4cb5e8a1b832b769c0eed1bf3e1421f14061132e9800ded03f10182?ver=CBV2.0';

describe('EPCIS event hash (CBV 2.0)', () => {
  test('hashes the reference pre-hash string to the reference eventID', () => {
    expect(hashPreHashString(REFERENCE_PRE_HASH)).toBe(REFERENCE_HASH);
  });

  test('builds the reference pre-hash string from URN forms, in canonical order', () => {
    const preHash = preHashString({
      eventTime: '2022-02-16T20:33:31.116-06:00',
      eventTimeZoneOffset: '-06:00',
      // Out of order and as URNs: the hash sorts them and converts them to GS1 Digital Link.
      epcList: ['urn:epc:id:sgtin:0614141.107346.2018', 'urn:epc:id:sgtin:0614141.107346.2017'],
      action: 'OBSERVE',
      bizStep: 'urn:epcglobal:cbv:bizstep:shipping',
      disposition: 'in_transit',
      readPoint: { id: 'urn:epc:id:sgln:0614141.07346.1234' },
    });
    // Everything up to the business transactions, which our events never carry.
    expect(preHash).toBe(REFERENCE_PRE_HASH.slice(0, REFERENCE_PRE_HASH.indexOf('bizTransactionList')));
  });

  test('extensions take part, so a different customs status is a different event', () => {
    const base = {
      eventTime: '2026-01-01T00:00:00.000Z',
      eventTimeZoneOffset: '+08:00',
      epcList: ['urn:epc:id:sscc:6923456.0000000001'],
      action: 'OBSERVE',
    };
    const held = eventHashId({ ...base, extensions: { '{urn:x}customsStatus': 'HELD' } });
    const released = eventHashId({ ...base, extensions: { '{urn:x}customsStatus': 'RELEASED' } });
    expect(held).not.toBe(released);
    expect(eventHashId({ ...base, extensions: { '{urn:x}customsStatus': 'HELD' } })).toBe(held);
  });

  test('converts EPC URNs to GS1 Digital Link with check digits', () => {
    expect(epcUrnToDigitalLink('urn:epc:id:sscc:0614141.1234567890')).toBe(
      'https://id.gs1.org/00/106141412345678908',
    );
    expect(epcUrnToDigitalLink('urn:epc:id:sgtin:0614141.812345.6789')).toBe(
      'https://id.gs1.org/01/80614141123458/21/6789',
    );
    expect(epcUrnToDigitalLink('urn:epc:id:sgln:6923456.00001.0')).toBe(
      'https://id.gs1.org/414/6923456000018',
    );
    expect(epcUrnToDigitalLink('urn:epc:raw:96.xE2801160600002054CC2096F')).toBe(
      'urn:epc:raw:96.xE2801160600002054CC2096F',
    );
  });
});

describe('CBV terms of zone events', () => {
  test('each kind and zone has its bizStep and disposition', () => {
    expect(cbvTerms({ kind: 'ARRIVED' }, 'DOCK')).toEqual({
      bizStep: 'arriving',
      disposition: 'in_progress',
    });
    expect(cbvTerms({ kind: 'MOVED' }, 'STORAGE')).toEqual({
      bizStep: 'storing',
      disposition: 'in_progress',
    });
    expect(cbvTerms({ kind: 'MOVED' }, 'INSPECTION').bizStep).toBe('inspecting');
    expect(cbvTerms({ kind: 'MOVED' }, 'STAGING').bizStep).toBe('staging_outbound');
    expect(cbvTerms({ kind: 'CROSSED_GATE', direction: 'OUT' }, 'GATE')).toEqual({
      bizStep: 'entering_exiting',
      disposition: 'in_transit',
    });
    expect(cbvTerms({ kind: 'DEPARTED' }, undefined)).toEqual({
      bizStep: 'departing',
      disposition: 'in_transit',
    });
  });

  test('time zone offsets follow the site time zone', () => {
    expect(timeZoneOffset('Asia/Shanghai', new Date('2026-01-01T00:00:00Z'))).toBe('+08:00');
    expect(timeZoneOffset('UTC', new Date('2026-01-01T00:00:00Z'))).toBe('+00:00');
    expect(timeZoneOffset('America/New_York', new Date('2026-07-01T00:00:00Z'))).toBe('-04:00');
  });
});
