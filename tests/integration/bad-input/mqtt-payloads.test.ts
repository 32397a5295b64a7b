import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MetricName } from '../../../runtime/metrics.js';
import { mqttTopics, type ReadBatch, type TagRead } from '../../../schemas/index.js';
import { uniqueName, testServices } from '../../helpers/services.js';
import { scrapeSum } from '../observability/ops-endpoint.js';
import { startBadInputPipeline, testEpc } from './bad-input-pipeline.js';

const MAX_PAYLOAD_BYTES = 8192;
const DAY_US = 86_400_000_000;

describe('bad ReadBatch payloads into the bridge and dedup (real Mosquitto, Kafka, processes)', () => {
  it('refuses each into the dead-letter topic with its code and reason, keeps running, and forwards the good ones around them', async () => {
    const pipeline = await startBadInputPipeline(
      ['bridge', 'dedup'],
      ['--max-payload-bytes', String(MAX_PAYLOAD_BYTES)],
    );
    const { siteId } = pipeline;
    const reader = pipeline.readerIds[0]!;
    const other = pipeline.readerIds[1]!;
    const tag = randomBytes(4).readUInt32BE();
    const nowUs = Date.now() * 1000;
    let seq = 0;
    let epcNo = 0;
    const read = (over: Partial<TagRead> = {}): TagRead => ({
      epc: testEpc(tag, epcNo++),
      antenna: 1,
      rssiDbm: -55,
      seenAtUs: nowUs,
      count: 1,
      ...over,
    });
    const batch = (reads: unknown[], over: Partial<ReadBatch> = {}) => {
      const n = seq++;
      return {
        v: 1,
        site: siteId,
        readerId: reader,
        source: 'test',
        batchId: `${reader}:bad:${n}`,
        seq: n,
        sentAtUs: nowUs,
        reads,
        ...over,
      };
    };

    // Good batches, interleaved with every kind of bad input.
    const good: Array<ReturnType<typeof batch>> = [];
    const goodBatch = () => {
      const b = batch([read(), read()]);
      good.push(b);
      return JSON.stringify(b);
    };
    const clockAhead = read({ seenAtUs: nowUs + 2 * 3_600_000_000 });
    const clockBehind = read({ seenAtUs: nowUs - 30 * DAY_US });
    const mixedAhead = batch([clockAhead, read()]);
    const mixedBehind = batch([read(), clockBehind]);
    good.push(mixedAhead, mixedBehind);
    const padding = 'x'.repeat(MAX_PAYLOAD_BYTES);
    const inputs: Array<{ payload: string | Buffer; code?: string; topicReader?: string }> = [
      { payload: goodBatch() },
      { payload: JSON.stringify(batch([read()], { source: padding })), code: 'BT_BRIDGE_TOO_LARGE' },
      { payload: '{"v":1,"site":', code: 'BT_BRIDGE_NOT_JSON' },
      { payload: goodBatch() },
      { payload: Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22]), code: 'BT_BRIDGE_NOT_JSON' },
      { payload: JSON.stringify({ v: 1, site: siteId, readerId: reader }), code: 'BT_SCHEMA_INVALID' },
      { payload: JSON.stringify(batch([read({ epc: '' })])), code: 'BT_SCHEMA_INVALID' },
      { payload: goodBatch() },
      { payload: JSON.stringify(batch([read({ epc: '3178E61C8839F' })])), code: 'BT_SCHEMA_INVALID' },
      { payload: JSON.stringify(batch([read({ epc: 'A'.repeat(128) })])), code: 'BT_SCHEMA_INVALID' },
      {
        payload: JSON.stringify(batch([read({ seenAtUs: Date.UTC(1990, 0, 1) * 1000 })])),
        code: 'BT_SCHEMA_INVALID',
      },
      {
        payload: JSON.stringify(batch([read()], { sentAtUs: Date.UTC(2090, 0, 1) * 1000 })),
        code: 'BT_BRIDGE_SENT_IN_FUTURE',
      },
      { payload: goodBatch() },
      {
        payload: JSON.stringify(batch([read()], { sentAtUs: nowUs - 60 * DAY_US })),
        code: 'BT_BRIDGE_SENT_TOO_LONG_AGO',
      },
      { payload: JSON.stringify(batch([read()])), code: 'BT_BRIDGE_TOPIC_MISMATCH', topicReader: other },
      { payload: JSON.stringify(mixedAhead), code: 'BT_READER_CLOCK_AHEAD' },
      { payload: JSON.stringify(mixedBehind), code: 'BT_READER_CLOCK_BEHIND' },
      { payload: goodBatch() },
    ];

    const publisher = await mqtt.connectAsync(testServices().mqttUrl, { clientId: uniqueName('bad-pub') });
    onTestFinished(() => publisher.endAsync());
    for (const input of inputs)
      await publisher.publishAsync(mqttTopics.reads(siteId, input.topicReader ?? reader), input.payload, {
        qos: 1,
      });

    const expectedCodes = inputs.flatMap((i) => (i.code ? [i.code] : [])).sort();
    await expect
      .poll(
        () =>
          pipeline
            .deadLetters()
            .map((d) => d.code)
            .sort(),
        { timeout: 60_000 },
      )
      .toEqual(expectedCodes);
    for (const letter of pipeline.deadLetters()) {
      expect(letter.reason.length, letter.code).toBeGreaterThan(10);
      expect(letter.stage).toBe(letter.code.startsWith('BT_READER_CLOCK') ? 'dedup' : 'bridge');
    }
    const refusedRead = (code: string) => pipeline.deadLetters().find((d) => d.code === code)!.payload;
    expect(refusedRead('BT_READER_CLOCK_AHEAD')).toContain(clockAhead.epc);
    expect(refusedRead('BT_READER_CLOCK_BEHIND')).toContain(clockBehind.epc);
    // Bytes that are not UTF-8 are kept exactly, as base64.
    const binary = pipeline.deadLetters().find((d) => d.payloadEncoding === 'base64');
    expect(Buffer.from(binary!.payload, 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22]));

    // Every good batch reached Kafka; every good read became an observation; no refused read did.
    await expect
      .poll(
        () =>
          pipeline
            .batches()
            .map((b) => b.batchId)
            .sort(),
        { timeout: 60_000 },
      )
      .toEqual(good.map((b) => b.batchId).sort());
    const goodEpcs = good
      .flatMap((b) => (b.reads as TagRead[]).map((r) => r.epc))
      .filter((epc) => epc !== clockAhead.epc && epc !== clockBehind.epc);
    await expect
      .poll(() => new Set(pipeline.observations().map((o) => o.epc)), { timeout: 120_000 })
      .toEqual(new Set(goodEpcs));

    await pipeline.assertAlive();
    const bridgeRefused = expectedCodes.filter((c) => !c.startsWith('BT_READER_CLOCK')).length;
    expect(await scrapeSum(pipeline.opsUrl, MetricName.deadLetters, { stage: 'bridge' })).toBe(bridgeRefused);
    expect(
      await scrapeSum(pipeline.opsUrl, MetricName.deadLetters, {
        stage: 'dedup',
        code: 'BT_READER_CLOCK_AHEAD',
      }),
    ).toBe(1);
    // Logged with its reason and the reader it came from.
    expect(pipeline.cli.stderr()).toMatch(
      /"readerId":"[^"]+","code":"BT_BRIDGE_TOO_LARGE","reason":"payload of \d+ bytes/,
    );
    expect(pipeline.cli.stderr()).toContain(`"epc":"${clockAhead.epc}","code":"BT_READER_CLOCK_AHEAD"`);
    console.log(
      `bad-input mqtt payloads: ${inputs.length} inputs tried, ${expectedCodes.length} refused, ${good.length} good batches forwarded`,
    );
  }, 240_000);
});
