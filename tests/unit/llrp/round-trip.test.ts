import { describe, expect, it } from 'vitest';
import {
  LlrpFrameDecoder,
  decodeMessage,
  encodeMessage,
  type LlrpMessage,
  type ROSpec,
} from '../../../adapters/llrp/index.js';
import {
  GENERATED_MESSAGE_TYPES,
  SeededRandom,
  generateMessage,
} from '../../../adapters/llrp/message-generator.js';

describe('LLRP round trip over generated messages', () => {
  it('decode(encode(m)) equals m for every message type, many seeds', () => {
    const seen = new Set<string>();
    for (const seed of [1, 2, 3, 20260101]) {
      const rng = new SeededRandom(seed);
      for (let i = 0; i < 1500; i++) {
        const message = generateMessage(rng);
        seen.add(message.type);
        const bytes = encodeMessage(message);
        expect(bytes.readUInt32BE(2)).toBe(bytes.length);
        expect(decodeMessage(bytes)).toEqual(message);
      }
    }
    // Every modelled message was exercised, not only the common ones.
    expect([...seen].sort()).toEqual([...GENERATED_MESSAGE_TYPES].sort());
  });

  it('encode is a function of the object: encode(decode(bytes)) gives the bytes back', () => {
    const rng = new SeededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const bytes = encodeMessage(generateMessage(rng));
      expect(encodeMessage(decodeMessage(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('a stream of generated messages decodes the same under random chunking', () => {
    const rng = new SeededRandom(99);
    const sent: LlrpMessage[] = Array.from({ length: 300 }, () => generateMessage(rng));
    const stream = Buffer.concat(sent.map(encodeMessage));
    const decoder = new LlrpFrameDecoder();
    const received: LlrpMessage[] = [];
    for (let off = 0; off < stream.length;) {
      const n = rng.int(1, 700);
      for (const r of decoder.push(stream.subarray(off, off + n))) {
        if (!r.ok) throw r.error;
        received.push(r.message);
      }
      off += n;
    }
    expect(decoder.bufferedBytes).toBe(0);
    expect(received).toEqual(sent);
  });

  it('builds the ADD_ROSPEC of API.md (Impinj search mode, report selector) and reads it back', () => {
    const roSpec: ROSpec = {
      type: 'ROSpec',
      roSpecId: 1,
      priority: 0,
      currentState: 0,
      roBoundarySpec: {
        type: 'ROBoundarySpec',
        roSpecStartTrigger: { type: 'ROSpecStartTrigger', roSpecStartTriggerType: 1 },
        roSpecStopTrigger: { type: 'ROSpecStopTrigger', roSpecStopTriggerType: 0, durationTriggerValue: 0 },
      },
      specs: [
        {
          type: 'AISpec',
          antennaIds: [0],
          aiSpecStopTrigger: { type: 'AISpecStopTrigger', aiSpecStopTriggerType: 0, durationTrigger: 0 },
          inventoryParameterSpecs: [
            {
              type: 'InventoryParameterSpec',
              inventoryParameterSpecId: 1,
              protocolId: 1,
              antennaConfigurations: [
                {
                  type: 'AntennaConfiguration',
                  antennaId: 0,
                  c1g2InventoryCommands: [
                    {
                      type: 'C1G2InventoryCommand',
                      tagInventoryStateAware: false,
                      c1g2SingulationControl: {
                        type: 'C1G2SingulationControl',
                        session: 1,
                        tagPopulation: 32,
                        tagTransitTime: 0,
                      },
                      custom: [{ type: 'ImpinjInventorySearchMode', inventorySearchMode: 2 }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
      roReportSpec: {
        type: 'ROReportSpec',
        roReportTrigger: 1,
        n: 1,
        tagReportContentSelector: {
          type: 'TagReportContentSelector',
          enableRoSpecId: false,
          enableSpecIndex: false,
          enableInventoryParameterSpecId: false,
          enableAntennaId: true,
          enableChannelIndex: true,
          enablePeakRssi: true,
          enableFirstSeenTimestamp: true,
          enableLastSeenTimestamp: true,
          enableTagSeenCount: true,
          enableAccessSpecId: false,
        },
        custom: [
          {
            type: 'ImpinjTagReportContentSelector',
            enablePeakRssi: { type: 'ImpinjEnablePeakRSSI', mode: 1 },
          },
        ],
      },
    };
    const bytes = encodeMessage({ type: 'ADD_ROSPEC', id: 7, roSpec });
    // ImpinjInventorySearchMode: Custom(1023) len 14, vendor 25882, subtype 23, mode 2 (Octane LTK).
    expect(bytes.toString('hex')).toContain('03ff000e0000651a000000170002');
    // TagReportContentSelector: AntennaID…TagSeenCount flags = 0001 1111 1000 0000.
    expect(bytes.toString('hex')).toContain('00ee00061f80');
    expect(decodeMessage(bytes)).toEqual({ type: 'ADD_ROSPEC', id: 7, version: 1, roSpec });
  });
});
