import { connectAsync } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startNativeAdapter } from '../../../adapters/native/index.js';
import { ReadBatch, parseWith } from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from './mqtt-capture.js';
import { quietLogger } from './quiet-logger.js';
import { startTcpProxy } from './tcp-proxy.js';

const MESSAGES = 300;
const epcOf = (n: number): string => `3178E61C8839${n.toString(16).toUpperCase().padStart(12, '0')}`;
const zebraEvent = (n: number): string =>
  JSON.stringify({
    data: { eventNum: n, idHex: epcOf(n), antenna: 1, peakRssi: -60, reads: 1 },
    timestamp: '2026-04-02T12:00:00Z',
    type: 'SIMPLE',
  });

describe('native adapter: backpressure on the MQTT input (issue 4)', () => {
  it('holds PUBACKs while the publisher is over its high-water mark, then takes every message', async () => {
    const { mqttUrl } = testServices();
    const broker = new URL(mqttUrl);
    const proxy = await startTcpProxy(broker.hostname, Number(broker.port || 1883));
    const site = uniqueName('site');
    const topic = `${uniqueName('zebra')}/fx-1/d-evt`;
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/fx-1/reads`);
    // Output through the proxy (which the test cuts), input straight from the broker.
    const adapter = await startNativeAdapter(
      {
        site,
        mqttUrl: `mqtt://127.0.0.1:${proxy.port}`,
        sourceMqttUrl: mqttUrl,
        batchSize: 1,
        lingerMs: 0,
        highWaterMark: 4,
        readers: [{ readerId: 'fx-1', format: 'zebra-iotc', topics: [topic] }],
      },
      { logger: quietLogger('native-backpressure-test') },
    );
    onTestFinished(async () => {
      await adapter.stop();
    });
    await adapter.ready();
    await expect.poll(() => adapter.stats().publisher.connected, { timeout: 10_000 }).toBe(true);
    await proxy.cut();
    await expect.poll(() => adapter.stats().publisher.connected, { timeout: 10_000 }).toBe(false);

    const reader = await connectAsync(mqttUrl, { clientId: uniqueName('fx-1') });
    onTestFinished(() => reader.endAsync());
    // Each publishAsync resolves on the broker's PUBACK to the reader: all are at the broker.
    for (let n = 1; n <= MESSAGES; n++) await reader.publishAsync(topic, zebraEvent(n), { qos: 1 });

    await expect.poll(() => adapter.stats().mqttInput?.paused, { timeout: 10_000 }).toBe(true);
    const whilePaused = adapter.stats();
    expect(whilePaused.mqttInput!.pauses).toBeGreaterThanOrEqual(1);
    // Input stopped: the rest waits at the broker, not in the adapter's memory.
    expect(whilePaused.mqttInput!.messages).toBeLessThan(MESSAGES);
    expect(whilePaused.publisher.readsIn).toBeLessThan(MESSAGES);
    expect(whilePaused.publisher.queued).toBeLessThanOrEqual(4);

    await proxy.restore();
    const epcs = (): string[] =>
      capture
        .json('reads')
        .map((m) => parseWith(ReadBatch, 'ReadBatch', m))
        .flatMap((b) => b.reads.map((r) => r.epc));
    await expect.poll(() => new Set(epcs()).size, { timeout: 20_000 }).toBe(MESSAGES);
    expect(new Set(epcs())).toEqual(new Set(Array.from({ length: MESSAGES }, (_, i) => epcOf(i + 1))));
    expect(adapter.stats().mqttInput).toMatchObject({ messages: MESSAGES, paused: false });
    expect(adapter.stats().readers[0]).toMatchObject({ reads: MESSAGES, sequenceGaps: 0 });
  });
});
