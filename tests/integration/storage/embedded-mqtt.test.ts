import { connect } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { mqttTopics } from '../../../schemas/index.js';
import { startEmbeddedMqtt, type EmbeddedMqtt } from '../../../services/embedded-mqtt.js';
import { uniqueName } from '../../helpers/services.js';
import { quietLogger } from './storage-fixtures.js';

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

describe('embedded MQTT broker (aedes)', () => {
  let broker: EmbeddedMqtt;

  beforeAll(async () => {
    broker = await startEmbeddedMqtt({ logger: quietLogger() });
  });
  afterAll(() => broker?.close());

  /** A connected client recording what it receives; ended when the test finishes. */
  async function client(options: IClientOptions = {}): Promise<{ client: MqttClient; received: Received[] }> {
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, ...options });
    const received: Received[] = [];
    c.on('message', (topic, payload, packet) =>
      received.push({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain }),
    );
    onTestFinished(() => c.endAsync(true));
    return { client: c, received };
  }

  test('QoS 1 publish and subscribe round trip', async () => {
    const site = uniqueName('site');
    const { client: sub, received } = await client();
    expect(await sub.subscribeAsync(mqttTopics.allReads(site), { qos: 1 })).toEqual([
      { topic: mqttTopics.allReads(site), qos: 1 },
    ]);
    const { client: pub } = await client();
    const packet = await pub.publishAsync(mqttTopics.reads(site, 'dock-1'), '{"batch":1}', { qos: 1 });
    expect(packet?.messageId).toBeGreaterThan(0); // resolved on the broker's PUBACK
    await expect
      .poll(() => received)
      .toEqual([{ topic: mqttTopics.reads(site, 'dock-1'), payload: '{"batch":1}', qos: 1, retain: false }]);
  });

  test('QoS 1 messages wait for a persistent session that is offline', async () => {
    const topic = mqttTopics.reads(uniqueName('site'), 'dock-1');
    const clientId = uniqueName('bridge');
    const first = await client({ clientId, clean: false });
    await first.client.subscribeAsync(topic, { qos: 1 });
    await first.client.endAsync();
    const { client: pub } = await client();
    await pub.publishAsync(topic, 'while you were away', { qos: 1 });
    const again = await client({ clientId, clean: false });
    await expect.poll(() => again.received.map((m) => m.payload)).toEqual(['while you were away']);
  });

  test('a retained status reaches a subscriber that comes later', async () => {
    const topic = mqttTopics.status(uniqueName('site'), 'dock-1');
    const { client: pub } = await client();
    await pub.publishAsync(topic, '{"state":"online"}', { qos: 1, retain: true });
    const { client: late, received } = await client();
    await late.subscribeAsync(topic, { qos: 1 });
    await expect
      .poll(() => received)
      .toEqual([{ topic, payload: '{"state":"online"}', qos: 1, retain: true }]);
  });

  test('the last will of a client that vanishes is published and retained', async () => {
    const topic = mqttTopics.status(uniqueName('site'), 'dock-1');
    const { client: watcher, received } = await client();
    await watcher.subscribeAsync(topic, { qos: 1 });
    const reader = await mqtt.connectAsync(broker.url, {
      reconnectPeriod: 0,
      will: { topic, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    reader.on('error', () => undefined);
    reader.stream.destroy(); // no DISCONNECT packet: the broker must send the will
    await expect.poll(() => received.map((m) => m.payload)).toEqual(['{"state":"offline"}']);
    const { client: late, received: lateReceived } = await client();
    await late.subscribeAsync(topic, { qos: 1 });
    await expect
      .poll(() => lateReceived)
      .toEqual([{ topic, payload: '{"state":"offline"}', qos: 1, retain: true }]);
  });

  test('shared subscriptions, which aedes does not support, are refused instead of silently receiving nothing', async () => {
    const { client: c, received } = await client();
    await expect(c.subscribeAsync(`$share/bridge/${mqttTopics.allReads()}`, { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
    expect(c.connected).toBe(true);
    const topic = mqttTopics.reads(uniqueName('site'), 'dock-1');
    await c.subscribeAsync(topic, { qos: 1 });
    await c.publishAsync(topic, 'still works', { qos: 1 });
    await expect.poll(() => received.map((m) => m.payload)).toEqual(['still works']);
  });
});

test('close() disconnects clients and frees the port', async () => {
  const broker = await startEmbeddedMqtt({ logger: quietLogger() });
  const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
  await broker.close();
  await closed;
  await c.endAsync(true);
  const refused = await new Promise<string>((resolve) => {
    const socket = connect(broker.port, '127.0.0.1');
    socket.once('connect', () => resolve('connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
  expect(refused).toBe('ECONNREFUSED');
});
