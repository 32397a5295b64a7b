import { request } from 'node:http';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startNativeAdapter } from '../../../adapters/native/index.js';
import { startSerialAdapter } from '../../../adapters/serial/index.js';
import { ReadBatch, parseWith, type TagRead } from '../../../schemas/index.js';
import { formatReadsAs } from '../../../simulators/formats/index.js';
import { createSimulation, loadScenario, type SimulatedRead } from '../../../simulators/index.js';
import { createTestPty } from '../../helpers/pty.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt, type MqttCapture } from './mqtt-capture.js';
import { quietLogger } from './quiet-logger.js';

const START_US = Date.UTC(2026, 3, 1, 8, 0, 0) * 1000;
const TZ = 'Asia/Shanghai';

/** 20 s of the demo site, one reader's reads per 1 s step: the ground truth the adapters must reproduce. */
let steps: TagRead[][];
let readerId: string;
beforeAll(async () => {
  const scenario = await loadScenario();
  const sim = createSimulation({
    ...scenario,
    seed: 11,
    startUs: START_US,
    profile: 'test',
    palletCount: 10,
  });
  const all: SimulatedRead[][] = [];
  for (let t = START_US; all.length < 20;) all.push(sim.advance((t += 1_000_000)));
  sim.close();
  const counts = new Map<string, number>();
  for (const r of all.flat()) counts.set(r.readerId, (counts.get(r.readerId) ?? 0) + 1);
  readerId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  steps = all.map((step) => step.filter((r) => r.readerId === readerId).map((r) => r.read));
});

const readsOf = (capture: MqttCapture) =>
  capture.json('reads').flatMap((m) => parseWith(ReadBatch, 'ReadBatch', m).reads);
const pick = (read: TagRead, keys: Array<keyof TagRead>) =>
  Object.fromEntries(keys.filter((k) => read[k] !== undefined).map((k) => [k, read[k]]));

describe('the simulator speaks every format; the adapters reproduce its ground truth', () => {
  it('alien-text on a serial pty, driven by the site model', async () => {
    expect(steps.flat().length).toBeGreaterThan(20);
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const pty = await createTestPty();
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = startSerialAdapter(
      {
        site,
        mqttUrl,
        ports: [{ path: pty.adapterPath, readerId }],
        format: 'alien-text',
        timeZone: TZ,
        lingerMs: 20,
      },
      { logger: quietLogger('simulated-formats') },
    );
    onTestFinished(async () => {
      await adapter.stop();
    });
    await expect.poll(() => adapter.stats().readers[0]?.state, { timeout: 10_000 }).toBe('open');
    for (const step of steps)
      await pty.write(formatReadsAs('alien-text', step, { readerName: readerId, timeZone: TZ }));
    const sent = steps.flat();
    await expect.poll(() => readsOf(capture).length, { timeout: 10_000 }).toBe(sent.length);
    const keys: Array<keyof TagRead> = ['epc', 'antenna', 'seenAtUs', 'count', 'rssiDbm'];
    expect(readsOf(capture)).toEqual(sent.map((r) => pick(r, keys)));
  });

  it('speedway-connect POSTs and zebra-iotc NDJSON over HTTP, driven by the site model', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = await startNativeAdapter(
      {
        site,
        mqttUrl,
        httpPort: 0,
        lingerMs: 20,
        readers: [
          { readerId: 'speedway', format: 'speedway-connect' },
          { readerId: 'zebra', format: 'zebra-iotc' },
        ],
      },
      { logger: quietLogger('simulated-formats') },
    );
    onTestFinished(async () => {
      await adapter.stop();
    });
    const post = (path: string, body: string) =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: adapter.httpPort()!, path, method: 'POST' }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end(body);
      });
    let eventNum = 1;
    for (const step of steps) {
      if (step.length === 0) continue;
      await post(
        '/readers/speedway',
        formatReadsAs('speedway-connect', step, { readerName: 'speedway', timeZone: TZ }),
      );
      await post(
        '/readers/zebra',
        formatReadsAs('zebra-iotc', step, { readerName: 'zebra', timeZone: TZ, firstEventNum: eventNum }),
      );
      eventNum += step.length;
    }
    const sent = steps.flat();
    const byReader = (id: string) =>
      capture
        .json('reads')
        .map((m) => parseWith(ReadBatch, 'ReadBatch', m))
        .filter((b) => b.readerId === id)
        .flatMap((b) => b.reads);
    await expect
      .poll(() => byReader('speedway').length + byReader('zebra').length, { timeout: 10_000 })
      .toBe(2 * sent.length);
    expect(byReader('speedway')).toEqual(
      sent.map((r) => ({ ...pick(r, ['epc', 'antenna', 'rssiDbm', 'seenAtUs']), count: 1 })),
    );
    expect(byReader('zebra')).toEqual(
      sent.map((r) => pick(r, ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'])),
    );
    expect(adapter.stats().readers.find((r) => r.readerId === 'zebra')).toMatchObject({
      sequenceGaps: 0,
      deadLetters: 0,
    });
  });
});
