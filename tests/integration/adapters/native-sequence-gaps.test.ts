import { connectAsync } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startNativeAdapter, type NativeAdapterOptionsInput } from '../../../adapters/native/index.js';
import { ReaderStatus, parseWith } from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt, type MqttCapture } from './mqtt-capture.js';
import { quietLogger } from './quiet-logger.js';

const EPC = '3178E61C883950F59A000000';
const zebraEvent = (n: number): string =>
  JSON.stringify({
    data: { eventNum: n, idHex: EPC, antenna: 1, peakRssi: -60, reads: 1 },
    timestamp: '2026-04-02T12:00:00Z',
    type: 'SIMPLE',
  });

async function startWithZebra(
  options: Omit<NativeAdapterOptionsInput, 'site' | 'readers' | 'mqttUrl'>,
): Promise<{ capture: MqttCapture; send: (n: number) => Promise<void> }> {
  const { mqttUrl } = testServices();
  const site = uniqueName('site');
  const topic = `${uniqueName('zebra')}/fx-1/d-evt`;
  const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/fx-1/status`);
  const adapter = await startNativeAdapter(
    {
      ...options,
      site,
      mqttUrl,
      lingerMs: 20,
      readers: [{ readerId: 'fx-1', format: 'zebra-iotc', topics: [topic] }],
    },
    { logger: quietLogger('native-sequence-gaps-test') },
  );
  onTestFinished(async () => {
    await adapter.stop();
  });
  await adapter.ready();
  const reader = await connectAsync(mqttUrl, { clientId: uniqueName('fx-1') });
  onTestFinished(() => reader.endAsync());
  return {
    capture,
    send: async (n) => {
      await reader.publishAsync(topic, zebraEvent(n), { qos: 1 });
    },
  };
}

const statuses = (capture: MqttCapture): ReaderStatus[] =>
  capture.json('status').map((m) => parseWith(ReaderStatus, 'ReaderStatus', m));

describe('native adapter: sequence gaps in the retained reader status (issue 4)', () => {
  it('a Zebra eventNum jump is republished at once in the status without a health interval', async () => {
    const { capture, send } = await startWithZebra({});
    for (const n of [1, 2, 3]) await send(n);
    await expect.poll(() => statuses(capture).at(-1)?.state, { timeout: 10_000 }).toBe('online');
    expect(statuses(capture).every((s) => s.sequenceGaps === undefined)).toBe(true);

    for (const n of [7, 8, 10]) await send(n);
    await expect
      .poll(() => statuses(capture).at(-1), { timeout: 10_000 })
      .toMatchObject({ state: 'online', sequenceGaps: 2, missingEvents: 4 });
  });

  it('the health republish carries the totals next to the antenna rates', async () => {
    const { capture, send } = await startWithZebra({ healthIntervalMs: 200 });
    for (const n of [1, 4]) await send(n);
    const heartbeat = () =>
      statuses(capture).find((s) => s.antennaReadsPerSec !== undefined && s.sequenceGaps !== undefined);
    await expect.poll(heartbeat, { timeout: 10_000 }).toMatchObject({
      state: 'online',
      sequenceGaps: 1,
      missingEvents: 2,
    });
    expect(Object.keys(heartbeat()!.antennaReadsPerSec!)).toEqual(['1']);
  });
});
