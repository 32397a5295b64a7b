import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { describe, expect, onTestFinished, test } from 'vitest';
import { mqttClientOptions, mqttSecurityFromEnv } from '../../../runtime/mqtt-client-options.js';
import { mqttTopics } from '../../../schemas/index.js';
import { uniqueName } from '../../helpers/services.js';
import { startSecureMosquitto, type SecureMosquitto } from './secure-mosquitto.js';

/** MQTT 5 reason code 0x87 (MQTT 5.0 §3.4.2.1 PUBACK, §3.9.3 SUBACK): Not authorized. */
const NOT_AUTHORIZED = 0x87;
const USERS = ['RD-A', 'RD-B', 'bondtrack-bridge', 'bondtrack-ops'];

async function client(
  broker: SecureMosquitto,
  user: string | undefined,
  extra: IClientOptions = {},
  url = broker.url,
): Promise<MqttClient> {
  const options = mqttClientOptions(
    { clientId: uniqueName('bt-sec'), reconnectPeriod: 0, connectTimeout: 10_000, ...extra },
    user === undefined ? {} : { username: user, password: broker.password(user), caFile: broker.caFile },
  );
  const c = await connectAsync(url, options);
  onTestFinished(() => c.endAsync(true));
  return c;
}

/** A subscriber with full read rights (the ops user) collecting payloads of `filter`. */
async function watch(broker: SecureMosquitto, filter: string): Promise<string[]> {
  const received: string[] = [];
  const ops = await client(broker, 'bondtrack-ops');
  ops.on('message', (_topic, payload) => received.push(payload.toString()));
  const granted = await ops.subscribeAsync(filter, { qos: 1 });
  expect(granted.map((g) => g.qos)).toEqual([1]);
  return received;
}

describe('Mosquitto with the shipped deploy/mosquitto configuration', () => {
  test('anonymous clients and wrong passwords are refused; the right password connects', async () => {
    const broker = await startSecureMosquitto(USERS);
    const refused = (options: IClientOptions) =>
      connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 10_000, ...options }).then(
        async (c) => {
          await c.endAsync(true);
          return undefined;
        },
        (err: unknown) => err as Error & { code?: number },
      );
    // MQTT 3.1.1 §3.2.2.3: return code 5, not authorized (Mosquitto's answer to a bad password too).
    expect((await refused({ username: 'RD-A', password: 'wrong' }))?.code).toBe(5);
    expect((await refused({}))?.code).toBe(5);
    // MQTT 5: 0x86 bad user name or password, 0x87 not authorized.
    expect([0x86, 0x87]).toContain(
      (await refused({ protocolVersion: 5, username: 'RD-A', password: broker.password('RD-B') }))?.code,
    );
    const ok = await client(broker, 'RD-A');
    expect(ok.connected).toBe(true);
  });

  test('MQTT 5: RD-A publishing to RD-B topics gets PUBACK 0x87 Not authorized', async () => {
    const broker = await startSecureMosquitto(USERS);
    const site = uniqueName('site');
    const received = await watch(broker, `bondtrack/v1/${site}/#`);
    const rdA = await client(broker, 'RD-A', { protocolVersion: 5 });
    const forged = await rdA.publishAsync(mqttTopics.reads(site, 'RD-B'), 'forged', { qos: 1 }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: number },
    );
    expect(forged?.code).toBe(NOT_AUTHORIZED);
    // Resolves only on a successful PUBACK (a reason code >= 0x80 rejects, as above).
    await rdA.publishAsync(mqttTopics.reads(site, 'RD-A'), 'own', { qos: 1 });
    await expect.poll(() => received, { timeout: 15_000 }).toContain('own');
    expect(received).toEqual(['own']);
  });

  test('MQTT 3.1.1: a forged message never arrives, while the control message published after it does', async () => {
    const broker = await startSecureMosquitto(USERS);
    const site = uniqueName('site');
    const received = await watch(broker, `bondtrack/v1/${site}/#`);
    const rdA = await client(broker, 'RD-A', { protocolVersion: 4 });
    // Mosquitto acknowledges a denied QoS 1 publish (3.1.1 has no way to say no) and drops it.
    for (const kind of ['reads', 'status', 'dead-letters'] as const) {
      await rdA.publishAsync(`bondtrack/v1/${site}/readers/RD-B/${kind}`, `forged-${kind}`, { qos: 1 });
    }
    await rdA.publishAsync(`bondtrack/v1/${site}/readers/RD-A/status`, 'control', { qos: 1 });
    // One client's QoS 1 messages arrive in order (MQTT 3.1.1 §4.6): once the control message is
    // in, a forged one that got through would already be in too.
    await expect.poll(() => received, { timeout: 15_000 }).toContain('control');
    expect(received).toEqual(['control']);
  });

  test('the bridge user receives every reader topic but cannot publish; a reader reads nothing', async () => {
    const broker = await startSecureMosquitto(USERS);
    const site = uniqueName('site');
    const received = await watch(broker, `bondtrack/v1/${site}/#`);
    const bridge = await client(broker, 'bondtrack-bridge', { protocolVersion: 5 });
    const bridged: string[] = [];
    bridge.on('message', (_topic, payload) => bridged.push(payload.toString()));
    const granted = await bridge.subscribeAsync(
      [mqttTopics.allReads(site), mqttTopics.allStatus(site), mqttTopics.allDeadLetters(site)],
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 1]);

    const denied = await bridge.publishAsync(mqttTopics.reads(site, 'RD-A'), 'from-bridge', { qos: 1 }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: number },
    );
    expect(denied?.code).toBe(NOT_AUTHORIZED);

    // Mosquitto grants any SUBSCRIBE and enforces `read` per message it delivers: RD-B's
    // subscription to RD-A's topic stays empty while the bridge gets the message.
    const rdB = await client(broker, 'RD-B', { protocolVersion: 5 });
    const snooped: string[] = [];
    rdB.on('message', (_topic, payload) => snooped.push(payload.toString()));
    await rdB.subscribeAsync(mqttTopics.reads(site, 'RD-A'), { qos: 1 });
    const rdA = await client(broker, 'RD-A', { protocolVersion: 5 });
    await rdA.publishAsync(mqttTopics.reads(site, 'RD-A'), 'rd-a-reads', { qos: 1 });
    await rdA.publishAsync(mqttTopics.status(site, 'RD-A'), 'rd-a-status', { qos: 1 });
    await expect.poll(() => bridged, { timeout: 15_000 }).toEqual(['rd-a-reads', 'rd-a-status']);
    expect(received).toEqual(['rd-a-reads', 'rd-a-status']);
    // Mosquitto is single-threaded and logs each PUBLISH it sends in order: once the log shows the
    // status message sent to the bridge, a reads message sent to RD-B would be logged before it.
    const bridgeId = String(bridge.options.clientId);
    await expect
      .poll(
        () =>
          broker
            .log()
            .includes(`Sending PUBLISH to ${bridgeId} (d0, q1, r0, m2, '${mqttTopics.status(site, 'RD-A')}'`),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    expect(broker.log()).not.toContain(`Sending PUBLISH to ${String(rdB.options.clientId)}`);
    expect(snooped).toEqual([]);
  });

  test('TLS listener: connects with the CA (password from a file), fails without it', async () => {
    const broker = await startSecureMosquitto(USERS);
    const env = {
      MQTT_USERNAME: 'bondtrack-ops',
      MQTT_PASSWORD_FILE: broker.passwordFile('bondtrack-ops'),
      MQTT_CA_FILE: broker.caFile,
    };
    const withCa = await connectAsync(
      broker.tlsUrl,
      mqttClientOptions({ reconnectPeriod: 0, connectTimeout: 10_000 }, mqttSecurityFromEnv(env)),
    );
    onTestFinished(() => withCa.endAsync(true));
    expect(withCa.connected).toBe(true);
    const echo: string[] = [];
    withCa.on('message', (_t, payload) => echo.push(payload.toString()));
    await withCa.subscribeAsync('bondtrack/health/tls', { qos: 1 });
    await withCa.publishAsync('bondtrack/health/tls', 'over-tls', { qos: 1 });
    await expect.poll(() => echo, { timeout: 15_000 }).toEqual(['over-tls']);

    const { MQTT_CA_FILE: _ca, ...withoutCaEnv } = env;
    const withoutCa = await connectAsync(
      broker.tlsUrl,
      mqttClientOptions({ reconnectPeriod: 0, connectTimeout: 10_000 }, mqttSecurityFromEnv(withoutCaEnv)),
    ).then(
      async (c) => {
        await c.endAsync(true);
        return undefined;
      },
      (err: unknown) => err as Error & { code?: string },
    );
    expect(withoutCa?.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    // Plain MQTT on the TLS port is not answered as MQTT either.
    const plain = await connectAsync(broker.tlsUrl.replace('mqtts:', 'mqtt:'), {
      reconnectPeriod: 0,
      connectTimeout: 3_000,
      username: 'bondtrack-ops',
      password: broker.password('bondtrack-ops'),
    }).then(
      async (c) => {
        await c.endAsync(true);
        return 'connected';
      },
      () => 'refused',
    );
    expect(plain).toBe('refused');
  });
});
