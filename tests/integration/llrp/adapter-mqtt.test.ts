import { describe, expect, it } from 'vitest';
import { startLlrpAdapter } from '../../../adapters/llrp/adapter/index.js';
import { ReaderStatus } from '../../../schemas/index.js';
import { createSimulation, loadScenario } from '../../../simulators/index.js';
import { LlrpEmulatorFleet } from '../../../simulators/llrp/index.js';
import { arrivedReads, readKey } from '../../helpers/simulated-reads.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { captureMqtt } from '../adapters/mqtt-capture.js';
import { quietLogger } from '../adapters/quiet-logger.js';
import { onTestFinished } from 'vitest';

describe('LLRP adapter: emulated readers → ReadBatch on the real Mosquitto', () => {
  it('publishes every read the emulators sent, once, and reader status on connect and disconnect', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('llrp_site');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/#`);

    // The demo site's readers, fed by the simulator's site model (the same reads serial/native get).
    const scenario = await loadScenario();
    const readerIds = scenario.site.readers.map((r) => r.id).slice(0, 4);
    const fleet = await LlrpEmulatorFleet.start({ readerIds });
    onTestFinished(() => fleet.stop());
    fleet.get(readerIds[0]!)!.setWireShape({ fragmentBytes: 7 });
    fleet.get(readerIds[1]!)!.setWireShape({ coalesce: 8 });

    const adapter = startLlrpAdapter(
      {
        site,
        mqttUrl,
        lingerMs: 20,
        readers: readerIds.map((id) => ({ host: '127.0.0.1', port: fleet.get(id)!.port, readerId: id })),
        reportEveryMs: 40,
        keepaliveMs: 1_000,
        reconnectInitialMs: 50,
        reconnectMaxMs: 500,
      },
      { logger: quietLogger('llrp-adapter') },
    );
    onTestFinished(async () => {
      await adapter.stop();
    });
    const statuses = () => capture.json('status').map((m) => ReaderStatus.parse(m));
    const lastState = (id: string) =>
      statuses()
        .filter((s) => s.readerId === id)
        .at(-1)?.state;
    for (const id of readerIds) await expect.poll(() => lastState(id), { timeout: 20_000 }).toBe('online');

    const simulation = createSimulation({
      ...scenario,
      seed: 11,
      startUs: Date.UTC(2026, 10, 26, 6, 0, 0) * 1000,
      palletCount: 6,
      profile: 'test',
    });
    onTestFinished(() => simulation.close());
    let made = 0;
    for (let step = 1; step <= 40; step++) {
      const reads = simulation.advance(simulation.startUs + step * 1_000_000);
      for (const { readerId, read } of reads) if (fleet.inject(readerId, [read])) made++;
      // A reader drops its connection halfway: the adapter reconnects, nothing is lost.
      if (step === 20) await fleet.get(readerIds[2]!)!.dropConnection();
    }
    expect(made).toBeGreaterThan(100);

    const sent = () => readerIds.flatMap((id) => fleet.get(id)!.sentReads.map((r) => readKey(id, r)));
    await expect.poll(() => sent().length, { timeout: 30_000 }).toBe(made);
    await expect.poll(() => arrivedReads(capture.json('reads')).length, { timeout: 30_000 }).toBe(made);
    expect(arrivedReads(capture.json('reads')).sort()).toEqual(sent().sort());

    // The dropped reader went offline and came back.
    // (A loaded machine may also stall long enough for a late keepalive: `degraded` is not the point here.)
    const dropped = statuses().filter((s) => s.readerId === readerIds[2] && s.state !== 'degraded');
    expect(dropped.map((s) => s.state)).toEqual(['online', 'offline', 'online']);
    expect(dropped[1]!.detail).toMatch(/closed/);

    await adapter.stop();
    for (const id of readerIds) await expect.poll(() => lastState(id), { timeout: 15_000 }).toBe('offline');
    expect(adapter.stats().readers.every((r) => r.deadLetters === 0)).toBe(true);
  });

  it('publishes degraded when a keepalive is missed, offline when the reader is dropped, online when back', async () => {
    const { mqttUrl } = testServices();
    const site = uniqueName('llrp_ka');
    const capture = await captureMqtt(mqttUrl, `bondtrack/v1/${site}/readers/#`);
    const fleet = await LlrpEmulatorFleet.start({ readerIds: ['rd-ka'] });
    onTestFinished(() => fleet.stop());
    const adapter = startLlrpAdapter(
      {
        site,
        mqttUrl,
        readers: [{ host: '127.0.0.1', port: fleet.get('rd-ka')!.port, readerId: 'rd-ka' }],
        keepaliveMs: 300,
        keepaliveMissFactor: 4,
        reconnectInitialMs: 50,
      },
      { logger: quietLogger('llrp-adapter') },
    );
    onTestFinished(async () => {
      await adapter.stop();
    });
    const states = () => capture.json('status').map((m) => ReaderStatus.parse(m));
    await expect.poll(() => states().at(-1)?.state, { timeout: 20_000 }).toBe('online');
    fleet.get('rd-ka')!.hang();
    await expect.poll(() => states().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    expect(
      states()
        .map((s) => s.state)
        .slice(0, 4),
    ).toEqual(['online', 'degraded', 'offline', 'online']);
    expect(states()[1]!.detail).toMatch(/^keepalive missed: no KEEPALIVE for \d+ ms$/);
    expect(states()[2]!.detail).toMatch(
      /no data from reader rd-ka for \d+ ms \(4 keepalive periods of 300 ms\)/,
    );
  });
});
