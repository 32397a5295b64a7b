import { beforeAll, describe, expect, it } from 'vitest';
import { StreamParser, type StreamParserSettings } from '../../../adapters/formats/index.js';
import type { TagRead } from '../../../schemas/index.js';
import { createSimulation, loadScenario, type SimulatedRead } from '../../../simulators/index.js';
import {
  ALIEN_CUSTOM_FORMAT,
  CSV_EMIT_COLUMNS,
  emitAlienCustomLine,
  emitAlienTerseNotification,
  emitAlienTextNotification,
  emitCsvLine,
  emitImpinjIotEvent,
  emitSpeedwayConnectPost,
  emitZebraIotcEvent,
} from '../../../simulators/formats/index.js';

const START_US = Date.UTC(2026, 3, 1, 8, 0, 0) * 1000;
const TZ = 'Asia/Shanghai';

/** Reads of the simulated demo site (site model, RF model): what the emitters turn into each format. */
let reads: TagRead[];
beforeAll(async () => {
  const scenario = await loadScenario();
  const sim = createSimulation({ ...scenario, seed: 7, startUs: START_US, profile: 'test', palletCount: 10 });
  const simulated: SimulatedRead[] = [];
  for (let t = START_US; simulated.length < 200;) simulated.push(...sim.advance((t += 5_000_000)));
  sim.close();
  reads = simulated.slice(0, 200).map((s) => s.read);
});

function parseAll(settings: StreamParserSettings, text: string, receivedAtUs?: number): TagRead[] {
  const parser = new StreamParser(settings);
  const outcomes = [...parser.push(text, receivedAtUs), ...parser.end(receivedAtUs)];
  const errors = outcomes.filter((o) => o.outcome.kind === 'error');
  expect(errors).toEqual([]);
  return outcomes.flatMap((o) => (o.outcome.kind === 'read' ? [o.outcome.read] : []));
}

/** Fields a format carries; the rest is lost on the wire by design. */
const pick = (read: TagRead, keys: Array<keyof TagRead>) =>
  Object.fromEntries(keys.filter((k) => read[k] !== undefined).map((k) => [k, read[k]]));

describe('simulated site reads round-trip through every format: emit → parse → same reads', () => {
  it('alien-text (local time, 0-based antennas, CRLF, header/footer)', () => {
    expect(reads.length).toBe(200);
    const text = emitAlienTextNotification(reads, { readerName: 'dock', timeZone: TZ, nowUs: START_US });
    const parsed = parseAll({ format: 'alien-text', timeZone: TZ }, text);
    expect(parsed).toEqual(reads.map((r) => pick(r, ['epc', 'antenna', 'seenAtUs', 'count', 'rssiDbm'])));
  });

  it('alien-terse (time of the notification)', () => {
    const text = emitAlienTerseNotification(reads, { timeZone: TZ, nowUs: START_US + 123_456 });
    const parsed = parseAll({ format: 'alien-terse', timeZone: TZ }, text);
    expect(parsed).toEqual(
      reads.map((r) => ({ ...pick(r, ['epc', 'antenna', 'count']), seenAtUs: START_US + 123_456 })),
    );
  });

  it('alien-custom', () => {
    const text = reads.map((r) => emitAlienCustomLine(r, TZ)).join('');
    const parsed = parseAll(
      { format: 'alien-custom', customFormat: ALIEN_CUSTOM_FORMAT, timeZone: TZ },
      text,
    );
    expect(parsed.map((r) => pick(r, ['epc', 'antenna', 'seenAtUs', 'count']))).toEqual(
      reads.map((r) => pick(r, ['epc', 'antenna', 'seenAtUs', 'count'])),
    );
  });

  it('csv', () => {
    const parsed = parseAll(
      { format: 'csv', csvColumns: [...CSV_EMIT_COLUMNS] },
      reads.map(emitCsvLine).join(''),
    );
    expect(parsed).toEqual(reads.map((r) => pick(r, ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'])));
  });

  it('impinj-iot (hex and base64 EPCs alternating)', () => {
    const text = reads.map((r, i) => `${emitImpinjIotEvent(r, 'r700', i % 2 === 1)}\n`).join('');
    const parsed = parseAll({ format: 'impinj-iot' }, text);
    expect(parsed).toEqual(
      reads.map((r) => ({
        ...pick(r, ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'phaseDeg', 'frequencyKhz']),
        count: 1,
      })),
    );
  });

  it('speedway-connect', () => {
    const parsed = parseAll({ format: 'speedway-connect' }, emitSpeedwayConnectPost(reads, 'speedway'));
    expect(parsed).toEqual(
      reads.map((r) => ({ ...pick(r, ['epc', 'antenna', 'rssiDbm', 'seenAtUs']), count: 1 })),
    );
  });

  it('zebra-iotc', () => {
    const parsed = parseAll(
      { format: 'zebra-iotc' },
      reads.map((r, i) => emitZebraIotcEvent(r, i + 1)).join('\n'),
    );
    expect(parsed).toEqual(reads.map((r) => pick(r, ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'])));
  });
});
