import { request } from 'node:http';
import { connectAsync } from 'mqtt';
import { onTestFinished } from 'vitest';
import { startNativeAdapter } from '../../adapters/native/index.js';
import { emitImpinjIotEvent, emitZebraIotcEvent } from '../../simulators/formats/index.js';
import { uniqueName } from '../helpers/services.js';
import { quietLogger } from '../integration/adapters/quiet-logger.js';
import { describeAdapterContract } from './adapter-contract.js';

function post(port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describeAdapterContract('native, impinj-iot over HTTP (NDJSON)', async ({ site, mqttUrl }) => {
  const adapter = await startNativeAdapter(
    { site, mqttUrl, httpPort: 0, lingerMs: 20, readers: [{ readerId: 'r700-1', format: 'impinj-iot' }] },
    { logger: quietLogger('contract') },
  );
  const port = adapter.httpPort()!;
  return {
    readerId: 'r700-1',
    source: 'native',
    carries: ['epc', 'antenna', 'rssiDbm', 'seenAtUs'],
    deliver: (reads) =>
      post(
        port,
        '/readers/r700-1',
        reads.map((r, i) => `${emitImpinjIotEvent(r, 'r700', i % 2 === 0)}\n`).join(''),
      ),
    deliverGarbage: () =>
      post(port, '/readers/r700-1', '{"eventType":"tagInventory","tagInventoryEvent":{"epc":"@@"}}\n'),
    stop: () => adapter.stop(),
  };
});

describeAdapterContract('native, zebra-iotc over MQTT', async ({ site, mqttUrl }) => {
  const topic = `${uniqueName('zebra')}/fx9600/d-evt`;
  const adapter = await startNativeAdapter(
    { site, mqttUrl, lingerMs: 20, readers: [{ readerId: 'fx-1', format: 'zebra-iotc', topics: [topic] }] },
    { logger: quietLogger('contract') },
  );
  await adapter.ready();
  const reader = await connectAsync(mqttUrl, { clientId: uniqueName('zebra-reader') });
  onTestFinished(() => reader.endAsync());
  let eventNum = 0;
  return {
    readerId: 'fx-1',
    source: 'native',
    carries: ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'],
    deliver: async (reads) => {
      // One message per event, in order (QoS 1, awaited), as the IoT Connector sends them without batching.
      for (const read of reads)
        await reader.publishAsync(topic, emitZebraIotcEvent(read, ++eventNum), { qos: 1 });
    },
    deliverGarbage: async () => {
      await reader.publishAsync(topic, 'HEARTBEAT?', { qos: 1 });
    },
    stop: () => adapter.stop(),
  };
});
