import { expect } from 'vitest';
import { startSerialAdapter, type SerialAdapter } from '../../adapters/serial/index.js';
import { formatJsonlRead } from '../../simulators/index.js';
import { emitAlienTextNotification } from '../../simulators/formats/index.js';
import { quietLogger } from '../integration/adapters/quiet-logger.js';
import { describeAdapterContract } from './adapter-contract.js';
import { serialLinkKinds } from './serial-link.js';

/** Bytes written before the adapter has the port open are not its to read: wait for the open. */
async function whenOpen(adapter: SerialAdapter): Promise<void> {
  await expect.poll(() => adapter.stats().readers[0]?.state, { timeout: 10_000 }).toBe('open');
}

// Over socat ptys always; also over a real serial link when SERIAL_TEST_PORT is set (serial-link.ts).
for (const link of serialLinkKinds()) {
  describeAdapterContract(`serial, jsonl (${link.name})`, async ({ site, mqttUrl }) => {
    const line = await link.open();
    const adapter = startSerialAdapter(
      {
        site,
        mqttUrl,
        ports: [{ path: line.adapterPath, readerId: 'dock-1' }],
        baudRate: line.baudRate,
        lingerMs: 20,
      },
      { logger: quietLogger('contract') },
    );
    await whenOpen(adapter);
    return {
      readerId: 'dock-1',
      source: 'serial',
      carries: ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'],
      deliver: (reads) => line.write(reads.map(formatJsonlRead).join('')),
      deliverGarbage: () => line.write('{"epc":\n'),
      stop: () => adapter.stop(),
    };
  });

  describeAdapterContract(`serial, alien-text (${link.name})`, async ({ site, mqttUrl }) => {
    const line = await link.open();
    const timeZone = 'Europe/Berlin';
    const adapter = startSerialAdapter(
      {
        site,
        mqttUrl,
        ports: [{ path: line.adapterPath, readerId: 'gate-a' }],
        baudRate: line.baudRate,
        format: 'alien-text',
        timeZone,
        lingerMs: 20,
      },
      { logger: quietLogger('contract') },
    );
    await whenOpen(adapter);
    return {
      readerId: 'gate-a',
      source: 'serial',
      carries: ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'],
      deliver: (reads) =>
        line.write(
          emitAlienTextNotification(reads, { readerName: 'Gate A', timeZone, nowUs: reads[0]!.seenAtUs }),
        ),
      deliverGarbage: () => line.write('Tag:ZZZZ, Last:2026/04/02 12:00:00, Count:1, Ant:0\r\n'),
      stop: () => adapter.stop(),
    };
  });
}
