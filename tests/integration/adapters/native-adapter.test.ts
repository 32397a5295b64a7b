import { request } from 'node:http';
import { connectAsync } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startNativeAdapter, type NativeAdapterOptionsInput } from '../../../adapters/native/index.js';
import { DeadLetter, ReadBatch, parseWith } from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt, type MqttCapture } from './mqtt-capture.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { quietLogger } from './quiet-logger.js';

const EPC = '3178E61C883950F59A000000';
const us = (iso: string): number => Date.parse(iso) * 1000;
const impinj = (i: number) =>
  JSON.stringify({
    eventType: 'tagInventory',
    timestamp: '2026-04-02T12:00:00Z',
    tagInventoryEvent: {
      epc: Buffer.from(EPC, 'hex').toString('base64'),
      antennaPort: 1 + (i % 2),
      peakRssiCdbm: -5000 - i,
      lastSeenTime: `2026-04-02T12:00:0${i}Z`,
    },
  });

async function start(options: NativeAdapterOptionsInput) {
  const adapter = await startNativeAdapter(options, { logger: quietLogger('native-adapter-test') });
  onTestFinished(async () => {
    await adapter.stop();
  });
  await adapter.ready();
  return adapter;
}

function readsOf(capture: MqttCapture, readerId: string) {
  return capture
    .json('reads')
    .map((m) => parseWith(ReadBatch, 'ReadBatch', m))
    .filter((b) => b.readerId === readerId)
    .flatMap((b) => b.reads);
}

/** POST `chunks` as a chunked (streaming) body, one write per chunk; resolves with status and body. */
function post(port: number, path: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/x-ndjson' } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('native adapter: reader-pushed payloads over HTTP and MQTT', () => {
  it('HTTP: a streamed NDJSON body (Impinj) split mid-document is normalised, garbage dead-lettered', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = await start({
      site,
      mqttUrl,
      httpPort: 0,
      lingerMs: 20,
      readers: [{ readerId: 'r700-dock', format: 'impinj-iot' }],
    });
    const port = adapter.httpPort()!;
    expect(port).toBeGreaterThan(0);

    const body = `${impinj(1)}\n${impinj(2)}\nnot json at all\n${impinj(3)}\n`;
    const response = await post(port, '/readers/r700-dock', [
      body.slice(0, 40),
      body.slice(40, 200),
      body.slice(200),
    ]);
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ reads: 3, rejected: 1, skipped: 0 });

    await expect.poll(() => readsOf(capture, 'r700-dock').length, { timeout: 10_000 }).toBe(3);
    expect(readsOf(capture, 'r700-dock')[0]).toEqual({
      epc: EPC,
      antenna: 2,
      rssiDbm: -50.01,
      seenAtUs: us('2026-04-02T12:00:01Z'),
      count: 1,
    });
    await expect.poll(() => capture.json('dead-letters').length, { timeout: 10_000 }).toBe(1);
    expect(parseWith(DeadLetter, 'DeadLetter', capture.json('dead-letters')[0])).toMatchObject({
      code: 'BT_NATIVE_BAD_JSON',
      stage: 'adapter:native',
      readerId: 'r700-dock',
    });
    expect((await post(port, '/readers/unknown', ['{}'])).status).toBe(404);
  });

  it('HTTP: a Speedway Connect POST body with tag_reads and a heartbeat', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = await start({
      site,
      mqttUrl,
      httpPort: 0,
      lingerMs: 20,
      readers: [{ readerId: 'speedway-1', format: 'speedway-connect' }],
    });
    const body = JSON.stringify(
      {
        reader_name: 'speedway-1',
        mac_address: '00:16:25:12:34:56',
        tag_reads: [
          {
            antennaPort: 3,
            epc: EPC,
            firstSeenTimestamp: '2026-04-02T12:00:00.5Z',
            peakRssi: -51,
            isHeartBeat: false,
          },
          { isHeartBeat: true },
        ],
      },
      null,
      2,
    );
    const response = await post(adapter.httpPort()!, '/readers/speedway-1', [body]);
    expect(JSON.parse(response.body)).toEqual({ reads: 1, rejected: 0, skipped: 1 });
    await expect
      .poll(() => readsOf(capture, 'speedway-1'), { timeout: 10_000 })
      .toEqual([{ epc: EPC, antenna: 3, rssiDbm: -51, seenAtUs: us('2026-04-02T12:00:00.500Z'), count: 1 }]);
  });

  it('MQTT: Zebra events on the reader topic are published as ReadBatches; eventNum gaps are counted', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const topic = `${uniqueName('zebra')}/fx9600/d-evt`;
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const adapter = await start({
      site,
      mqttUrl,
      lingerMs: 20,
      readers: [
        { readerId: 'fx9600-gate', format: 'zebra-iotc', topics: [topic.replace('/fx9600/', '/+/')] },
      ],
    });
    const zebra = await connectAsync(mqttUrl, { clientId: uniqueName('zebra-reader') });
    onTestFinished(() => zebra.endAsync());
    const event = (n: number) =>
      JSON.stringify({
        data: { eventNum: n, idHex: EPC, antenna: 1, peakRssi: -60, reads: 2 },
        timestamp: '2026-04-02T12:00:00Z',
        type: 'SIMPLE',
      });
    for (const n of [1, 2, 5]) await zebra.publishAsync(topic, event(n), { qos: 1 });

    await expect.poll(() => readsOf(capture, 'fx9600-gate').length, { timeout: 10_000 }).toBe(3);
    expect(adapter.stats().readers[0]).toMatchObject({ reads: 3, sequenceGaps: 1, missingEvents: 2 });
    await expect
      .poll(() => capture.json('status').some((s) => (s as { state: string }).state === 'online'), {
        timeout: 10_000,
      })
      .toBe(true);
  });

  it('CLI: bondtrack adapter native serves HTTP on loopback and stops cleanly on SIGTERM', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const cli = spawnBondtrack(
      ['adapter', 'native', '--site', site, '--http-port', '0', '--reader', 'r700=impinj-iot'],
      { MQTT_URL: mqttUrl },
    );
    await cli.waitForOutput(/http ingest on http:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(cli.stderr())![1]);
    expect((await post(port, '/readers/r700', [`${impinj(1)}\n`])).status).toBe(202);
    await expect.poll(() => readsOf(capture, 'r700').length, { timeout: 10_000 }).toBe(1);
    expect(await cli.stop('SIGTERM')).toBe(0);
    await expect
      .poll(
        () =>
          capture
            .json('status')
            .map((m) => (m as { state: string }).state)
            .at(-1),
        { timeout: 10_000 },
      )
      .toBe('offline');
  }, 30_000);
});
