import { describe, expect, it } from 'vitest';
import { parseSerialAdapterOptions } from '../../../adapters/serial/index.js';
import { readerOptionsOf } from '../../../adapters/serial/options.js';
import { ConfigError } from '../../../runtime/errors.js';

describe('serial adapter options', () => {
  it('fills defaults: 115200 8N1, 64 KiB lines, 500-read batches, 100 ms linger, local Mosquitto', () => {
    const options = parseSerialAdapterOptions({
      site: 'site-a',
      ports: [{ path: '/dev/ttyUSB0', readerId: 'dock-1' }],
    });
    expect(options).toMatchObject({
      mqttUrl: 'mqtt://127.0.0.1:1883',
      batchSize: 500,
      lingerMs: 100,
      maxInFlight: 64,
    });
    expect(readerOptionsOf(options)).toEqual([
      {
        path: '/dev/ttyUSB0',
        readerId: 'dock-1',
        baudRate: 115_200,
        dataBits: 8,
        stopBits: 1,
        parity: 'none',
        rtscts: false,
        maxLineBytes: 65_536,
        reopenInitialDelayMs: 250,
        reopenMaxDelayMs: 5_000,
        presenceCheckMs: 1_000,
        format: 'jsonl',
        timeZone: 'UTC',
      },
    ]);
  });

  it('applies adapter-wide settings to every port, and a port may override them', () => {
    const options = parseSerialAdapterOptions({
      site: 'site-a',
      baudRate: 9600,
      reopenInitialDelayMs: 50,
      ports: [
        { path: '/dev/ttyUSB0', readerId: 'dock-1' },
        { path: '/dev/ttyUSB1', readerId: 'dock-2', baudRate: 57_600, parity: 'even' },
      ],
    });
    const [first, second] = readerOptionsOf(options);
    expect(first).toMatchObject({ baudRate: 9600, parity: 'none', reopenInitialDelayMs: 50 });
    expect(second).toMatchObject({ baudRate: 57_600, parity: 'even', reopenInitialDelayMs: 50 });
  });

  it('names the bad field', () => {
    const attempt = (input: unknown) => () => parseSerialAdapterOptions(input as never);
    expect(attempt({ site: 'site-a', ports: [] })).toThrow(/ports: needs at least one port/);
    expect(attempt({ site: 'site-a', ports: [{ path: '/dev/x', readerId: 'a/b' }] })).toThrow(
      /ports\[0\]\.readerId: must be/,
    );
    expect(attempt({ site: 'site-a', ports: [{ path: '/dev/x', readerId: 'r1', dataBits: 9 }] })).toThrow(
      /ports\[0\]\.dataBits/,
    );
    expect(attempt({ site: 'site-a', batchSize: 0, ports: [{ path: '/dev/x', readerId: 'r1' }] })).toThrow(
      /batchSize/,
    );
    expect(
      attempt({ site: 'site-a', mqttUrl: 'http://x', ports: [{ path: '/dev/x', readerId: 'r1' }] }),
    ).toThrow(/mqttUrl: must be a URL such as mqtt/);
    expect(
      attempt({
        site: 'site-a',
        ports: [
          { path: '/dev/x', readerId: 'r1' },
          { path: '/dev/x', readerId: 'r1' },
        ],
      }),
    ).toThrow(/ports\[1\]\.path: port \/dev\/x listed twice; ports\[1\]\.readerId: reader r1 listed twice/);
    expect(attempt({ site: 'site-a', ports: [] })).toThrow(ConfigError);
  });
});
