import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readTruthFile } from '../../simulators/index.js';
import { spawnBondtrack } from '../helpers/cli-process.js';
import { testServices, uniqueName } from '../helpers/services.js';

/** A port nobody listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('bondtrack demo (what `npm start` runs), on its embedded MQTT broker and PGlite + TimescaleDB', () => {
  it('shows pallets moving between zones within a minute, and stops cleanly on Ctrl-C', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bondtrack-demo-'));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    const demo = spawnBondtrack(
      [
        'demo',
        '--duration',
        '100',
        '--speed',
        '2',
        '--data-dir',
        dataDir,
        '--embedded-mqtt-port',
        String(await freePort()),
        '--embedded-db-port',
        String(await freePort()),
        '--topic-prefix',
        uniqueName('demo'),
      ],
      // Kafka from the test run; MQTT and the database left unset, as a new user has them.
      {
        KAFKA_BROKERS: testServices().kafkaBrokers.join(','),
        MQTT_URL: '',
        DATABASE_URL: '',
        LOG_LEVEL: 'warn',
      },
    );
    await demo.waitForOutput(/Grafana: add a PostgreSQL data source with postgres:\/\/\S+:\d+/, 90_000);
    // Real time, as a user sees it: within a minute the database knows pallets in zones.
    await demo.waitForOutput(/zone events stored: [1-9]/, 60_000);
    await demo.waitForOutput(/^WH1-DOCK-\d\s+DOCK\s+[1-9]/m, 30_000);
    expect(await demo.stop('SIGINT')).toBe(0);
    expect(demo.stderr()).toContain('bondtrack demo: stopping');

    // The last summary: pallets tracked in zones, zone events stored.
    const summaries = demo.stdout().split('Bondtrack demo —');
    const last = summaries[summaries.length - 1]!;
    const tracked = [...last.matchAll(/^(\S+)\s+\S+\s+(\d+)\s+(\d+)$/gm)].map((m) => ({
      zone: m[1],
      tracked: Number(m[2]),
      truth: Number(m[3]),
    }));
    expect(tracked.reduce((n, z) => n + z.tracked, 0)).toBeGreaterThan(0);
    expect(Number(/zone events stored: (\d+)/.exec(last)?.[1])).toBeGreaterThan(0);

    // The simulator's truth says pallets did move between zones in that time.
    const truth = await readTruthFile(join(dataDir, 'truth.jsonl'));
    expect(truth.filter((t) => t.kind === 'ZONE_ENTERED').length).toBeGreaterThan(10);
  }, 240_000);
});
