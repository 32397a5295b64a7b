import { connectAsync } from 'mqtt';
import { onTestFinished } from 'vitest';

export interface CapturedMessage {
  topic: string;
  text: string;
  retain: boolean;
}

/** A real MQTT subscriber that records what arrives, for assertions; closed when the test ends. */
export interface MqttCapture {
  readonly messages: CapturedMessage[];
  /** Payloads (parsed JSON) of the messages whose topic ends with `/{suffix}`, in arrival order. */
  json(suffix: string): unknown[];
}

export async function captureMqtt(mqttUrl: string, filter: string): Promise<MqttCapture> {
  const client = await connectAsync(mqttUrl, {
    clientId: `bt-test-capture-${Math.random().toString(16).slice(2, 10)}`,
  });
  onTestFinished(() => client.endAsync());
  const messages: CapturedMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, text: payload.toString('utf8'), retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    json: (suffix) =>
      messages.filter((m) => m.topic.endsWith(`/${suffix}`)).map((m) => JSON.parse(m.text) as unknown),
  };
}
