import { describe, expect, it } from 'vitest';
import { DEMO_READER_IDS, arrivedReads, printedReads } from '../../helpers/simulated-reads.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt, type MqttCapture } from './mqtt-capture.js';

// Both processes are real: the simulator sends what the site model's readers would push, the
// native adapter takes it; every read the simulator printed must arrive, and nothing else.
describe('bondtrack simulate --format F --emit-…: native payloads into `adapter native` (issue 4)', () => {
  const readerIds = DEMO_READER_IDS;
  const printed = printedReads;
  const arrived = (capture: MqttCapture): string[] => arrivedReads(capture.json('reads'));

  it('impinj-iot over HTTP into `adapter native`: every simulated read arrives', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('sim_impinj');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/#`);
    const adapter = spawnBondtrack([
      'adapter',
      'native',
      ...['--site', site, '--mqtt-url', mqttUrl, '--http-port', '0'],
      ...readerIds.flatMap((id) => ['--reader', `${id}=impinj-iot`]),
    ]);
    await adapter.waitForOutput(/http ingest on http:\/\/127\.0\.0\.1:\d+/);
    const port = /http ingest on http:\/\/127\.0\.0\.1:(\d+)/.exec(adapter.stderr())![1]!;
    const sim = spawnBondtrack([
      'simulate',
      ...['--profile', 'test', '--pallets', '6', '--seed', '7', '--duration', '40', '--speed', '0'],
      ...['--format', 'impinj-iot', '--emit-http', `http://127.0.0.1:${port}/readers/{readerId}`],
      ...['--out', 'jsonl', '--start', '2026-04-01T08:00:00Z'],
    ]);
    expect(await sim.exited()).toBe(0);
    const made = printed(sim.stdout());
    expect(made.size).toBeGreaterThan(100);
    await expect.poll(() => arrived(capture).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(made.size);
    expect(new Set(arrived(capture))).toEqual(made);
    expect(await adapter.stop('SIGTERM')).toBe(0);
  });

  it('zebra-iotc to an MQTT topic per reader, read by `adapter native --subscribe`', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('sim_mqtt');
    const prefix = uniqueName('in');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/#`);
    const adapter = spawnBondtrack([
      'adapter',
      'native',
      ...['--site', site, '--mqtt-url', mqttUrl],
      ...readerIds.flatMap((id) => [
        '--reader',
        `${id}=zebra-iotc`,
        '--subscribe',
        `${id}=${prefix}/${id}/events`,
      ]),
    ]);
    await adapter.waitForOutput(/subscribed to reader topics/);
    const sim = spawnBondtrack([
      'simulate',
      ...['--profile', 'test', '--pallets', '4', '--seed', '9', '--duration', '30', '--speed', '0'],
      ...[
        '--format',
        'zebra-iotc',
        '--mqtt-url',
        mqttUrl,
        '--emit-mqtt-topic',
        `${prefix}/{readerId}/events`,
      ],
      ...['--out', 'jsonl', '--start', '2026-04-01T08:00:00Z'],
    ]);
    expect(await sim.exited()).toBe(0);
    const made = printed(sim.stdout());
    expect(made.size).toBeGreaterThan(50);
    await expect.poll(() => new Set(arrived(capture)).size, { timeout: 15_000 }).toBe(made.size);
    expect(new Set(arrived(capture))).toEqual(made);
    expect(await adapter.stop('SIGTERM')).toBe(0);
  });
});
