import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MetricName } from '../../../runtime/metrics.js';
import { DeadLetter, ReadBatch } from '../../../schemas/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from '../adapters/mqtt-capture.js';
import { getOps, opsUrlOf, scrapeSum } from '../observability/ops-endpoint.js';

const MAX_PAYLOAD_BYTES = 4096;

const impinj = (epc: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    eventType: 'tagInventory',
    timestamp: new Date().toISOString(),
    tagInventoryEvent: {
      epc: Buffer.from(epc, 'hex').toString('base64'),
      antennaPort: 1,
      peakRssiCdbm: -5200,
      lastSeenTime: new Date().toISOString(),
      ...extra,
    },
  });

describe('oversized MQTT payloads into the native adapter (real Mosquitto, real process)', () => {
  it('refuses a payload over --max-payload-bytes unparsed, as a dead letter with its size; the payloads around it arrive', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('site');
    const sourceTopic = `${uniqueName('impinj')}/events`;
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/#`);
    const cli = spawnBondtrack([
      'adapter',
      'native',
      '--site',
      site,
      '--reader',
      'r700=impinj-iot',
      '--subscribe',
      `r700=${sourceTopic}`,
      '--mqtt-url',
      mqttUrl,
      '--max-payload-bytes',
      String(MAX_PAYLOAD_BYTES),
      '--ops-port',
      '0',
    ]);
    const ops = await opsUrlOf(cli);
    await expect.poll(async () => (await getOps(ops, '/readyz')).status, { timeout: 120_000 }).toBe(200);

    const reader = await mqtt.connectAsync(mqttUrl, { clientId: uniqueName('r700') });
    onTestFinished(() => reader.endAsync());
    const oversized = impinj('3178E61C883950F59A0000FF', { padding: 'p'.repeat(MAX_PAYLOAD_BYTES * 4) });
    const payloads = [
      impinj('3178E61C883950F59A000001'),
      oversized,
      impinj('3178E61C883950F59A000002'),
      '{"eventType":"tagInventory","tagInventoryEvent":', // cut short: not JSON
      impinj('3178E61C883950F59A000003'),
    ];
    for (const p of payloads) await reader.publishAsync(sourceTopic, p, { qos: 1 });

    const letters = () => capture.json('dead-letters').map((d) => DeadLetter.parse(d));
    await expect
      .poll(
        () =>
          letters()
            .map((d) => d.code)
            .sort(),
        { timeout: 30_000 },
      )
      .toEqual(['BT_NATIVE_BAD_JSON', 'BT_NATIVE_PAYLOAD_TOO_LARGE']);
    const tooLarge = letters().find((d) => d.code === 'BT_NATIVE_PAYLOAD_TOO_LARGE')!;
    expect(tooLarge.reason).toBe(
      `payload of ${Buffer.byteLength(oversized)} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes (maxDocumentBytes)`,
    );
    expect(tooLarge.readerId).toBe('r700');
    // Only the head of the refused payload is kept: it was never parsed.
    expect(tooLarge.payload.length).toBeLessThan(Buffer.byteLength(oversized));
    expect(oversized.startsWith(tooLarge.payload)).toBe(true);

    const epcs = () => capture.json('reads').flatMap((b) => ReadBatch.parse(b).reads.map((r) => r.epc));
    await expect
      .poll(() => epcs().sort(), { timeout: 30_000 })
      .toEqual(['3178E61C883950F59A000001', '3178E61C883950F59A000002', '3178E61C883950F59A000003']);
    expect(cli.child.exitCode).toBeNull();
    expect(
      await scrapeSum(ops, MetricName.deadLetters, {
        stage: 'adapter:native',
        code: 'BT_NATIVE_PAYLOAD_TOO_LARGE',
      }),
    ).toBe(1);
    expect(cli.stderr()).toMatch(
      /"readerId":"r700","code":"BT_NATIVE_PAYLOAD_TOO_LARGE","reason":"payload of/,
    );
    console.log(`bad-input native mqtt: ${payloads.length} payloads tried, 2 refused, 3 reads published`);
  }, 180_000);
});
