import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MetricName } from '../../../runtime/metrics.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { createTestPty } from '../../helpers/pty.js';
import { testServices } from '../../helpers/services.js';
import { getOps, opsUrlOf, scrapeSum } from '../observability/ops-endpoint.js';
import { startBadInputPipeline, testEpc } from './bad-input-pipeline.js';

const MAX_LINE_BYTES = 1024;
const DAY_US = 86_400_000_000;

describe('garbage serial lines: serial adapter on a socat pty → MQTT → bridge → dedup (real processes)', () => {
  it('refuses every bad line into the dead-letter topic with its code and reason; the reads around them arrive', async () => {
    const pipeline = await startBadInputPipeline(['bridge', 'dedup']);
    const pty = await createTestPty();
    const reader = pipeline.readerIds[0]!;
    const adapter = spawnBondtrack([
      'adapter',
      'serial',
      '--site',
      pipeline.siteId,
      '--port',
      `${pty.adapterPath}=${reader}`,
      '--mqtt-url',
      testServices().mqttUrl,
      '--linger-ms',
      '20',
      '--max-line-bytes',
      String(MAX_LINE_BYTES),
      '--ops-port',
      '0',
    ]);
    const adapterOps = await opsUrlOf(adapter);
    await expect
      .poll(async () => (await getOps(adapterOps, '/readyz')).status, { timeout: 120_000 })
      .toBe(200);

    const tag = randomBytes(4).readUInt32BE();
    const nowUs = Date.now() * 1000;
    let n = 0;
    const json = (over: Record<string, unknown> = {}) =>
      JSON.stringify({
        epc: testEpc(tag, n++),
        antenna: 1,
        rssiDbm: -50,
        seenAtUs: nowUs,
        count: 1,
        ...over,
      });
    const goodEpcs: string[] = [];
    const good = () => {
      const line = json();
      goodEpcs.push((JSON.parse(line) as { epc: string }).epc);
      return line;
    };
    const ahead = json({ seenAtUs: nowUs + 2 * 3_600_000_000 });
    const behind = json({ seenAtUs: nowUs - 30 * DAY_US });
    const binary = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]);
    // [line, code expected in the dead-letter topic]; `undefined` = a good read.
    const lines: Array<[string | Buffer, string | undefined]> = [
      [good(), undefined],
      ['this is not a tag read }{', 'BT_SERIAL_BAD_JSON'],
      ['{"epc":"3178', 'BT_SERIAL_BAD_JSON'],
      [good(), undefined],
      [binary, 'BT_SERIAL_BAD_ENCODING'],
      ['[1,2,3]', 'BT_SERIAL_NOT_AN_OBJECT'],
      [json({ antenna: 0 }), 'BT_SERIAL_BAD_READ'],
      [json({ epc: '' }), 'BT_SERIAL_BAD_READ'],
      [good(), undefined],
      [json({ epc: '3178E61C8839F' }), 'BT_SERIAL_BAD_READ'],
      [json({ epc: 'E'.repeat(128) }), 'BT_SERIAL_BAD_READ'],
      [json({ seenAtUs: Date.UTC(1990, 0, 1) * 1000 }), 'BT_SERIAL_BAD_READ'],
      [json({ seenAtUs: Date.UTC(2190, 0, 1) * 1000 }), 'BT_SERIAL_BAD_READ'],
      ['9'.repeat(MAX_LINE_BYTES * 3), 'BT_SERIAL_LINE_TOO_LONG'],
      [good(), undefined],
      // Well-formed, but the reader's clock is hours ahead / a month behind: refused by dedup.
      [ahead, 'BT_READER_CLOCK_AHEAD'],
      [behind, 'BT_READER_CLOCK_BEHIND'],
      [good(), undefined],
    ];
    for (const [line] of lines) await pty.write(Buffer.concat([Buffer.from(line), Buffer.from('\n')]));

    const expected = lines.flatMap(([, code]) => (code ? [code] : [])).sort();
    await expect
      .poll(
        () =>
          pipeline
            .deadLetters()
            .map((d) => d.code)
            .sort(),
        { timeout: 60_000 },
      )
      .toEqual(expected);
    for (const letter of pipeline.deadLetters()) {
      expect(letter.reason.length, letter.code).toBeGreaterThan(10);
      expect(letter.readerId).toBe(reader);
    }
    const text = pipeline
      .deadLetters()
      .find((d) => d.code === 'BT_SERIAL_BAD_JSON' && d.payload.startsWith('this'));
    expect(text?.payload).toBe('this is not a tag read }{');

    // The good reads made it all the way to observations; none of the refused ones did.
    const aheadEpc = (JSON.parse(ahead) as { epc: string }).epc;
    const behindEpc = (JSON.parse(behind) as { epc: string }).epc;
    await expect
      .poll(() => new Set(pipeline.observations().map((o) => o.epc)), { timeout: 120_000 })
      .toEqual(new Set(goodEpcs));
    // The reads with a wrong clock did reach Kafka: refusing them is dedup's decision, not the adapter's.
    await expect
      .poll(() => pipeline.batches().flatMap((b) => b.reads.map((r) => r.epc)), { timeout: 120_000 })
      .toEqual(expect.arrayContaining([aheadEpc, behindEpc, ...goodEpcs]));

    await pipeline.assertAlive();
    expect(adapter.child.exitCode).toBeNull();
    const serialRefused = expected.filter((c) => c.startsWith('BT_SERIAL')).length;
    expect(await scrapeSum(adapterOps, MetricName.deadLetters, { stage: 'adapter:serial' })).toBe(
      serialRefused,
    );
    expect(await scrapeSum(adapterOps, MetricName.readsIn, { stage: 'adapter:serial', reader })).toBe(
      goodEpcs.length + 2,
    );
    console.log(
      `bad-input serial lines: ${lines.length} lines tried, ${expected.length} refused, ${goodEpcs.length} good reads stored as observations`,
    );
  }, 240_000);
});
