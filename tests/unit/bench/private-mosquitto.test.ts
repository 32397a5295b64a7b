import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  DEPLOY_MOSQUITTO_CONF,
  benchMosquittoConfig,
  startPrivateBroker,
} from '../../../bench/pipeline/private-mosquitto.js';

// Issue 7: `bondtrack bench` runs on its own Mosquitto with the production queue limits, because a
// stock Mosquitto drops QoS 1 messages past 1000 queued per session while the bridge is behind.
describe('bench broker', () => {
  it("copies deploy/mosquitto's queue limits, not its listeners, passwords or TLS", async () => {
    const config = benchMosquittoConfig(await readFile(DEPLOY_MOSQUITTO_CONF, 'utf8'), 41234);
    const lines = config.split('\n');
    expect(lines).toContain('listener 41234 127.0.0.1');
    expect(lines).toContain('allow_anonymous true');
    expect(lines).toContain('max_queued_messages 200000');
    expect(lines).toContain('max_queued_bytes 2147483648');
    expect(config).not.toMatch(/password_file|acl_file|certfile|listener 1883|listener 8883/);
  });

  it('starts on a free port, carries QoS 1 messages, and is gone after close', async () => {
    const broker = await startPrivateBroker();
    onTestFinished(() => broker.close());
    expect(broker.settings).toContain('max_queued_messages 200000');
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const received = new Promise<string>((resolve) =>
      client.on('message', (_topic, payload) => resolve(payload.toString('utf8'))),
    );
    await client.subscribeAsync('bench/check', { qos: 1 });
    await client.publishAsync('bench/check', 'ping', { qos: 1 });
    expect(await received).toBe('ping');
    await client.endAsync();
    await broker.close();
    await expect(
      mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 2_000 }),
    ).rejects.toThrow();
  });
});
