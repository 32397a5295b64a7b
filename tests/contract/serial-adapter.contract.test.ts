import { startSerialAdapter } from '../../adapters/serial/index.js';
import { formatJsonlRead } from '../../simulators/index.js';
import { emitAlienTextNotification } from '../../simulators/formats/index.js';
import { createTestPty } from '../helpers/pty.js';
import { quietLogger } from '../integration/adapters/quiet-logger.js';
import { describeAdapterContract } from './adapter-contract.js';

// Real socat ptys: the same path a USB-serial reader takes. With SERIAL_TEST_PORT set, a real
// reader could stand in (STYLE.md §6); not wired yet.

describeAdapterContract('serial, jsonl', async ({ site, mqttUrl }) => {
  const pty = await createTestPty();
  const adapter = startSerialAdapter(
    { site, mqttUrl, ports: [{ path: pty.adapterPath, readerId: 'dock-1' }], lingerMs: 20 },
    { logger: quietLogger('contract') },
  );
  return {
    readerId: 'dock-1',
    source: 'serial',
    carries: ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'],
    deliver: (reads) => pty.write(reads.map(formatJsonlRead).join('')),
    deliverGarbage: () => pty.write('{"epc":\n'),
    stop: () => adapter.stop(),
  };
});

describeAdapterContract('serial, alien-text', async ({ site, mqttUrl }) => {
  const pty = await createTestPty();
  const timeZone = 'Europe/Berlin';
  const adapter = startSerialAdapter(
    {
      site,
      mqttUrl,
      ports: [{ path: pty.adapterPath, readerId: 'gate-a' }],
      format: 'alien-text',
      timeZone,
      lingerMs: 20,
    },
    { logger: quietLogger('contract') },
  );
  return {
    readerId: 'gate-a',
    source: 'serial',
    carries: ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'],
    deliver: (reads) =>
      pty.write(
        emitAlienTextNotification(reads, { readerName: 'Gate A', timeZone, nowUs: reads[0]!.seenAtUs }),
      ),
    deliverGarbage: () => pty.write('Tag:ZZZZ, Last:2026/04/02 12:00:00, Count:1, Ant:0\r\n'),
    stop: () => adapter.stop(),
  };
});
