import { describe, expect, it } from 'vitest';
import { generateLoad } from '../../../bench/pipeline/load-generator.js';
import { SyntheticSite } from '../../../bench/pipeline/synthetic-site.js';
import { testServices, uniqueName } from '../../helpers/services.js';

/** Sockets this process holds open (each MQTT connection is one). */
const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('generateLoad on the real Mosquitto', () => {
  it('closes its connections when the load fails, so a failed bench can exit', async () => {
    const before = openSockets();
    let admitted = 0;
    const load = generateLoad(new SyntheticSite(uniqueName('site'), 4, 2), {
      mqttUrl: testServices().mqttUrl,
      readers: 4,
      ratePerReader: 'max',
      durationSec: 30,
      batchSize: 10,
      maxInFlight: 8,
      connections: 4,
      movesPerSec: 0,
      keepPayloads: 0,
      // The backlog gate cannot read the raw topic after a few batches (its broker refused).
      admit: () => (++admitted > 20 ? Promise.reject(new Error('raw topic unreadable')) : Promise.resolve()),
    });
    await expect(load).rejects.toThrow('raw topic unreadable');
    expect(admitted).toBe(21);
    expect(openSockets()).toBe(before);
  });
});
