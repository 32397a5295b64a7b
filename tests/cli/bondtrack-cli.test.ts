import { describe, expect, it } from 'vitest';
import { spawnBondtrack } from '../helpers/cli-process.js';

describe('bondtrack (the real command)', () => {
  it('lists every command in --help', async () => {
    const cli = spawnBondtrack(['--help']);
    expect(await cli.exited()).toBe(0);
    for (const command of ['services', 'simulate', 'adapter', 'pipeline', 'demo', 'db']) {
      expect(cli.stdout()).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it.each([['pipeline'], ['demo'], ['db'], ['adapter'], ['simulate'], ['services']])(
    '%s --help says what it does',
    async (command) => {
      const cli = spawnBondtrack([command, '--help']);
      expect(await cli.exited()).toBe(0);
      expect(cli.stdout()).toContain(`Usage: bondtrack ${command}`);
      expect(cli.stdout()).not.toContain('not yet implemented');
    },
  );

  it('refuses a bad setting with its name and exit code 2, without a stack trace', async () => {
    const cli = spawnBondtrack(['pipeline', 'dedup'], { KAFKA_BROKERS: 'no-port-here' });
    expect(await cli.exited()).toBe(2);
    expect(cli.stderr()).toContain('kafkaBrokers[0]: must be host:port');
    expect(cli.stderr()).toContain('[BT_CONFIG_INVALID]');
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown stage name', async () => {
    const cli = spawnBondtrack(['pipeline', 'teleport']);
    expect(await cli.exited()).toBe(1);
    expect(cli.stderr()).toMatch(/value 'teleport' is invalid/);
  });

  it("refuses a bad --reads-prefix, and the bridge with another prefix's raw reads", async () => {
    const bad = spawnBondtrack(['pipeline', 'dedup', '--reads-prefix', 'no spaces']);
    expect(await bad.exited()).toBe(1);
    expect(bad.stderr()).toMatch(
      /--reads-prefix <prefix>' argument 'no spaces' is invalid\. must be letters, digits/,
    );
    // Refused before any service is reached: nothing listens on this port.
    const bridge = spawnBondtrack(['pipeline', 'bridge', '--reads-prefix', 'production'], {
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    expect(await bridge.exited()).toBe(2);
    expect(bridge.stderr()).toContain('[BT_CONFIG_INVALID]');
    expect(bridge.stderr()).toContain("the bridge writes to its own prefix's raw reads");
  });

  it('names the file and the field of a bad site layout', async () => {
    const cli = spawnBondtrack(['pipeline', 'dedup', '--site', 'seeds/demo-manifest.json']);
    expect(await cli.exited()).toBe(2);
    expect(cli.stderr()).toMatch(/site layout seeds\/demo-manifest\.json: .*zones: /);
  });
});
