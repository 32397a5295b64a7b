import { describe, expect, it, onTestFinished } from 'vitest';
import { startLlrpAdapter } from '../../../adapters/llrp/adapter/index.js';
import { LlrpEmulatorFleet } from '../../../simulators/llrp/index.js';
import { arrivedReads, readKey } from '../../helpers/simulated-reads.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from '../adapters/mqtt-capture.js';
import { quietLogger } from '../adapters/quiet-logger.js';
import { numberedReads } from './llrp-harness.js';

describe('dozens of emulated LLRP readers in one process, one adapter process for all', () => {
  it('40 readers on 40 ports: every read of every reader arrives once', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('llrp_fleet');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/#`);
    const readerIds = Array.from({ length: 40 }, (_, i) => `rd-${String(i).padStart(2, '0')}`);
    const fleet = await LlrpEmulatorFleet.start({ readerIds });
    onTestFinished(() => fleet.stop());
    expect(new Set(readerIds.map((id) => fleet.get(id)!.port)).size).toBe(40);
    const adapter = startLlrpAdapter(
      {
        site,
        mqttUrl,
        lingerMs: 50,
        readers: readerIds.map((id) => ({ host: '127.0.0.1', port: fleet.get(id)!.port, readerId: id })),
        reportEveryMs: 100,
      },
      { logger: quietLogger('llrp-fleet') },
    );
    onTestFinished(async () => {
      await adapter.stop();
    });
    const expected: string[] = [];
    readerIds.forEach((id, i) => {
      const reads = numberedReads(25, i * 25);
      fleet.inject(id, reads);
      expected.push(...reads.map((r) => readKey(id, r)));
    });
    await expect
      .poll(() => arrivedReads(capture.json('reads')).length, { timeout: 30_000 })
      .toBe(expected.length);
    expect(arrivedReads(capture.json('reads')).sort()).toEqual(expected.sort());
    expect(adapter.stats().readers.every((r) => r.state === 'inventorying')).toBe(true);
  });
});
