import { describe, expect, it } from 'vitest';
import { serialLinkKinds } from '../../contract/serial-link.js';

describe('serial contract links (STYLE.md §6)', () => {
  it('runs over the simulator only when SERIAL_TEST_PORT is unset', () => {
    expect(serialLinkKinds({}).map((k) => k.name)).toEqual(['socat pty']);
    expect(serialLinkKinds({ SERIAL_TEST_PORT: '' }).map((k) => k.name)).toEqual(['socat pty']);
  });

  it('adds the real port, never instead of the simulator', () => {
    const kinds = serialLinkKinds({ SERIAL_TEST_PORT: '/dev/ttyUSB0', SERIAL_TEST_PEER: '/dev/ttyUSB1' });
    expect(kinds.map((k) => k.name)).toEqual(['socat pty', 'hardware /dev/ttyUSB0']);
  });

  it('fails (does not skip) a hardware case whose null-modem peer is not given', async () => {
    const hardware = serialLinkKinds({ SERIAL_TEST_PORT: '/dev/ttyUSB0' })[1]!;
    await expect(hardware.open()).rejects.toThrow(/SERIAL_TEST_PEER is not/);
  });

  it('names a bad SERIAL_TEST_BAUD', async () => {
    const hardware = serialLinkKinds({
      SERIAL_TEST_PORT: '/dev/ttyUSB0',
      SERIAL_TEST_PEER: '/dev/ttyUSB1',
      SERIAL_TEST_BAUD: 'fast',
    })[1]!;
    await expect(hardware.open()).rejects.toThrow(/SERIAL_TEST_BAUD must be a positive integer, got "fast"/);
  });
});
