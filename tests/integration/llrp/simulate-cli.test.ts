import { describe, expect, it } from 'vitest';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { DEMO_READER_IDS, arrivedReads, printedReads } from '../../helpers/simulated-reads.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from '../adapters/mqtt-capture.js';

// Both processes are real: `simulate --emit-llrp` serves one emulated LLRP reader per site reader,
// `adapter llrp` connects to all of them; every read the simulator printed must reach MQTT once.
describe('bondtrack simulate --emit-llrp → bondtrack adapter llrp → MQTT', () => {
  it('delivers every simulated read of every reader', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('sim_llrp');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/#`);
    const sim = spawnBondtrack([
      'simulate',
      ...['--profile', 'test', '--pallets', '5', '--seed', '3', '--duration', '30', '--speed', '0'],
      ...['--emit-llrp', '127.0.0.1:0', '--out', 'jsonl', '--start', '2026-04-01T08:00:00Z'],
    ]);
    await sim.waitForOutput(new RegExp(`llrp ${DEMO_READER_IDS.at(-1)} 127\\.0\\.0\\.1:\\d+`), 60_000);
    const readers = [...sim.stderr().matchAll(/ {2}llrp (\S+) 127\.0\.0\.1:(\d+)/g)].map((m) => ({
      id: m[1]!,
      port: m[2]!,
    }));
    expect(readers.map((r) => r.id)).toEqual(DEMO_READER_IDS);
    const adapter = spawnBondtrack([
      'adapter',
      'llrp',
      ...['--site', site, '--mqtt-url', mqttUrl, '--report-every-ms', '100'],
      ...readers.flatMap((r) => ['--reader', `127.0.0.1:${r.port}`, '--reader-id', r.id]),
    ]);
    expect(await sim.exited()).toBe(0);
    const made = printedReads(sim.stdout());
    expect(made.size).toBeGreaterThan(100);
    await expect.poll(() => arrivedReads(capture.json('reads')).length, { timeout: 30_000 }).toBe(made.size);
    expect(new Set(arrivedReads(capture.json('reads')))).toEqual(made);
    expect(await adapter.stop('SIGTERM')).toBe(0);
    const statuses = capture.json('status') as Array<{ readerId: string; state: string }>;
    for (const id of DEMO_READER_IDS)
      expect(statuses.filter((s) => s.readerId === id).map((s) => s.state)).toContain('online');
  });
});
