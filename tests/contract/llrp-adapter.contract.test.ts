import { onTestFinished } from 'vitest';
import { startLlrpAdapter } from '../../adapters/llrp/adapter/index.js';
import { LlrpReaderEmulator } from '../../simulators/llrp/index.js';
import { quietLogger } from '../integration/adapters/quiet-logger.js';
import { describeAdapterContract } from './adapter-contract.js';

/**
 * The LLRP adapter against the reader emulator over real TCP (real Mosquitto behind it). With
 * Impinj extensions the reports carry ImpinjPeakRSSI in centi-dBm, so RSSI to 0.01 dB is part of
 * the contract; the emulator coalesces its writes, four messages to a TCP write.
 */
describeAdapterContract('llrp over TCP (reader emulator, Impinj extensions)', async ({ site, mqttUrl }) => {
  const emulator = new LlrpReaderEmulator({ readerId: 'speedway-1', wire: { coalesce: 4 } });
  const port = await emulator.start();
  onTestFinished(() => emulator.stop());
  const adapter = startLlrpAdapter(
    {
      site,
      mqttUrl,
      lingerMs: 20,
      readers: [{ host: '127.0.0.1', port, readerId: 'speedway-1' }],
      impinjExtensions: true,
      reportEveryMs: 50,
      keepaliveMs: 2_000,
    },
    { logger: quietLogger('contract') },
  );
  return {
    readerId: 'speedway-1',
    source: 'llrp',
    carries: ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'],
    deliver: (reads) => {
      emulator.inject(reads);
      return Promise.resolve();
    },
    deliverGarbage: () => {
      emulator.injectGarbage();
      return Promise.resolve();
    },
    stop: () => adapter.stop(),
  };
});
