import { describe, expect, it } from 'vitest';
import { NativeErrorCode, SequenceGapDetector, parsePayload } from '../../../adapters/native/index.js';
import type { ParseOutcome } from '../../../adapters/protocol/outcome.js';

const us = (iso: string): number => Date.parse(iso) * 1000;
const EPC = '3178E61C883950F59A000000';
const EPC_BASE64 = Buffer.from(EPC, 'hex').toString('base64');

const reads = (outcomes: ParseOutcome[]) => outcomes.flatMap((o) => (o.kind === 'read' ? [o.read] : []));
const errors = (outcomes: ParseOutcome[]) => outcomes.flatMap((o) => (o.kind === 'error' ? [o.error] : []));

describe('impinj-iot', () => {
  it('normalises a tagInventory envelope (formats.md §2.2 example): centi-dBm, kHz, degrees', () => {
    const payload = {
      eventType: 'tagInventory',
      timestamp: '2026-04-02T12:00:00Z',
      hostname: 'impinj-14-9c-e2',
      tagInventoryEvent: {
        epcHex: '300833b2ddd9014000000000',
        tidHex: 'E2801160200020A1',
        antennaPort: 1,
        peakRssiCdbm: -5234,
        frequency: 926750,
        phaseAngle: 32.5,
        lastSeenTime: '2026-04-02T12:00:01.123456Z',
      },
    };
    expect(reads(parsePayload('impinj-iot', JSON.stringify(payload)))).toEqual([
      {
        epc: '300833B2DDD9014000000000',
        tid: 'E2801160200020A1',
        antenna: 1,
        rssiDbm: -52.34,
        frequencyKhz: 926750,
        phaseDeg: 32.5,
        seenAtUs: us('2026-04-02T12:00:01.123Z') + 456,
        count: 1,
      },
    ]);
  });

  it('decodes a base64 epc and tid, and falls back to the envelope timestamp', () => {
    const payload = {
      eventType: 'tagInventory',
      timestamp: '2026-04-02T12:00:00Z',
      tagInventoryEvent: {
        epc: EPC_BASE64,
        tid: Buffer.from('E280', 'hex').toString('base64'),
        antennaPort: 3,
      },
    };
    expect(reads(parsePayload('impinj-iot', JSON.stringify(payload)))).toEqual([
      { epc: EPC, tid: 'E280', antenna: 3, seenAtUs: us('2026-04-02T12:00:00Z'), count: 1 },
    ]);
  });

  it('reads webhook batches and arrays; skips other event types', () => {
    const event = { epcHex: EPC, antennaPort: 2, lastSeenTime: '2026-04-02T12:00:01Z' };
    const batch = {
      events: [
        { type: 'tagInventoryEvent', tagInventoryEvent: event },
        { type: 'antennaDisconnected', antennaDisconnectedEvent: { antennaPort: 4 } },
      ],
    };
    const outcomes = parsePayload('impinj-iot', JSON.stringify(batch));
    expect(reads(outcomes)).toHaveLength(1);
    expect(outcomes[1]).toEqual({ kind: 'skip', reason: 'impinj antennaDisconnected event' });
    const array = [{ eventType: 'tagInventory', tagInventoryEvent: event }, { eventType: 'inventoryStatus' }];
    expect(reads(parsePayload('impinj-iot', JSON.stringify(array)))).toHaveLength(1);
  });

  it('rejects garbage with reasons: bad JSON, missing event, bad base64, no time', () => {
    expect(errors(parsePayload('impinj-iot', '{"eventType":'))[0]?.code).toBe(NativeErrorCode.BAD_JSON);
    expect(errors(parsePayload('impinj-iot', '{"eventType":"tagInventory"}'))[0]?.code).toBe(
      NativeErrorCode.UNRECOGNISED_PAYLOAD,
    );
    const badBase64 = errors(
      parsePayload(
        'impinj-iot',
        JSON.stringify({
          timestamp: '2026-04-02T12:00:00Z',
          eventType: 'tagInventory',
          tagInventoryEvent: { epc: '!!!', antennaPort: 1 },
        }),
      ),
    )[0];
    expect(badBase64?.code).toBe(NativeErrorCode.BAD_READ);
    expect(badBase64?.message).toMatch(/base64/);
    const noTime = errors(
      parsePayload(
        'impinj-iot',
        JSON.stringify({ eventType: 'tagInventory', tagInventoryEvent: { epcHex: EPC, antennaPort: 1 } }),
      ),
    )[0];
    expect(noTime?.message).toMatch(/lastSeenTime/);
    expect(errors(parsePayload('impinj-iot', '42'))[0]?.code).toBe(NativeErrorCode.UNRECOGNISED_PAYLOAD);
  });
});

describe('speedway-connect', () => {
  const TAG = {
    antennaPort: 7,
    epc: '999908290000000000000004',
    tid: 'E2801160200020A1',
    firstSeenTimestamp: '2018-06-14T00:15:54.36879Z',
    peakRssi: -51,
    isHeartBeat: false,
  };

  it('reads the inventory JSON of the reference, keeping the sub-ms digits', () => {
    expect(reads(parsePayload('speedway-connect', JSON.stringify(TAG)))).toEqual([
      {
        epc: '999908290000000000000004',
        tid: 'E2801160200020A1',
        antenna: 7,
        rssiDbm: -51,
        seenAtUs: us('2018-06-14T00:15:54.368Z') + 790,
        count: 1,
      },
    ]);
  });

  it('unwraps the HTTP POST tag_reads batch, skips heartbeats, accepts epoch-µs timestamps', () => {
    const body = {
      reader_name: 'dock-1',
      mac_address: '00:16:25:12:34:56',
      tag_reads: [TAG, { isHeartBeat: true }, { ...TAG, firstSeenTimestamp: 1528935354368790 }],
    };
    const outcomes = parsePayload('speedway-connect', JSON.stringify(body));
    expect(outcomes.map((o) => o.kind)).toEqual(['read', 'skip', 'read']);
    expect(reads(outcomes)[1]?.seenAtUs).toBe(1528935354368790);
  });

  it('rejects elements that are not reads, keeping the rest', () => {
    const outcomes = parsePayload(
      'speedway-connect',
      JSON.stringify({ tag_reads: [TAG, 'x', { epc: EPC, antennaPort: 1 }] }),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['read', 'error', 'error']);
    expect(errors(outcomes)[1]?.message).toMatch(/firstSeenTimestamp/);
    expect(errors(parsePayload('speedway-connect', '{"tag_reads":{}}'))[0]?.code).toBe(
      NativeErrorCode.UNRECOGNISED_PAYLOAD,
    );
  });
});

describe('zebra-iotc', () => {
  const SIMPLE = {
    data: {
      eventNum: 41,
      format: 'epc',
      idHex: EPC.toLowerCase(),
      antenna: 2,
      peakRssi: -52,
      reads: 3,
      channel: 915.25,
      phase: -90,
      PC: '3000',
      CRC: 'A1B2',
    },
    timestamp: '2026-04-02T20:00:01.250+0800',
    type: 'SIMPLE',
  };

  it('reads a SIMPLE event: MHz channel to kHz, phase folded into [0,360), eventNum as sequence', () => {
    expect(parsePayload('zebra-iotc', JSON.stringify(SIMPLE))).toEqual([
      {
        kind: 'read',
        sequence: 41,
        read: {
          epc: EPC,
          antenna: 2,
          rssiDbm: -52,
          count: 3,
          frequencyKhz: 915250,
          phaseDeg: 270,
          seenAtUs: us('2026-04-02T12:00:01.250Z'),
        },
      },
    ]);
  });

  it('is tolerant of batched arrays, data.tags and RFD40 tagData shapes', () => {
    const tags = {
      data: {
        tags: [
          {
            idHex: EPC,
            antennaPort: 1,
            peakRssi: -60,
            firstSeenTimestamp: '2026-04-02T12:00:00Z',
            seenCount: 5,
          },
        ],
      },
    };
    const rfd = {
      type: 'dataEVT',
      eventNum: 7,
      timestamp: '2026-04-02T12:00:00Z',
      data: {
        tagData: [
          { EPC, antennaId: 1, rssi: -40 },
          { epc: EPC, antenna: 1 },
        ],
      },
    };
    const outcomes = parsePayload('zebra-iotc', JSON.stringify([SIMPLE, tags, rfd, { type: 'heartbeat' }]));
    expect(outcomes.map((o) => o.kind)).toEqual(['read', 'read', 'read', 'read', 'skip']);
    expect(reads(outcomes)[1]).toEqual({
      epc: EPC,
      antenna: 1,
      rssiDbm: -60,
      count: 5,
      seenAtUs: us('2026-04-02T12:00:00Z'),
    });
    expect(outcomes.slice(2, 4).map((o) => (o.kind === 'read' ? o.sequence : undefined))).toEqual([7, 7]);
  });

  it('rejects a tag without an antenna, naming it', () => {
    const error = errors(
      parsePayload('zebra-iotc', JSON.stringify({ data: { idHex: EPC }, timestamp: '2026-04-02T12:00:00Z' })),
    )[0];
    expect(error?.code).toBe(NativeErrorCode.BAD_READ);
    expect(error?.message).toMatch(/antenna/);
  });
});

describe('SequenceGapDetector', () => {
  it('reports gaps, tolerates repeats, recognises a counter reset', () => {
    const detector = new SequenceGapDetector();
    expect(detector.check('r1', 10).kind).toBe('first');
    expect(detector.check('r1', 11).kind).toBe('next');
    expect(detector.check('r1', 11).kind).toBe('repeat');
    expect(detector.check('r1', 15)).toEqual({ kind: 'gap', expected: 12, got: 15, missing: 3 });
    expect(detector.check('r2', 1).kind).toBe('first');
    expect(detector.check('r1', 0)).toEqual({ kind: 'reset', previous: 15, got: 0 });
    expect(detector.stats()).toEqual({ gaps: 1, missingEvents: 3 });
  });
});
