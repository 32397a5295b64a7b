import { onTestFinished } from 'vitest';
import { SimulatedSerialReader } from '../../simulators/serial-reader.js';
import { createTestPty } from '../helpers/pty.js';

/**
 * The serial line a contract case runs over: the adapter opens `adapterPath`, the test plays the
 * reader by writing to the other end.
 *
 * - simulator (always): a socat pty pair, as in the other serial tests.
 * - hardware (STYLE.md §6), when `SERIAL_TEST_PORT` is set: the adapter opens that real device
 *   and the test writes through `SERIAL_TEST_PEER`, the other end of a null-modem link to it (two
 *   USB-serial adapters, TX↔RX and GND crossed), at `SERIAL_TEST_BAUD` (default 115200) 8N1. The
 *   bytes then cross a real UART and kernel driver; the reads are the suite's, so the same
 *   assertions hold. A real reader cannot be told which tags to report, hence the peer.
 */
export interface SerialLink {
  readonly adapterPath: string;
  readonly baudRate: number;
  write(text: string): Promise<void>;
}

export interface SerialLinkKind {
  name: string;
  open(): Promise<SerialLink>;
}

const simulator: SerialLinkKind = {
  name: 'socat pty',
  async open() {
    const pty = await createTestPty();
    return { adapterPath: pty.adapterPath, baudRate: 115_200, write: (text) => pty.write(text) };
  },
};

function hardware(port: string, peer: string | undefined, baud: string | undefined): SerialLinkKind {
  const baudRate = Number(baud ?? '115200');
  return {
    name: `hardware ${port}`,
    async open() {
      // Fails the case (never skips it) when the link is not described completely.
      if (peer === undefined || peer === '')
        throw new Error(
          'SERIAL_TEST_PORT is set but SERIAL_TEST_PEER is not: give the device at the other end of its null-modem link',
        );
      if (!Number.isInteger(baudRate) || baudRate <= 0)
        throw new Error(`SERIAL_TEST_BAUD must be a positive integer, got "${baud}"`);
      const writer = await SimulatedSerialReader.open({ path: peer, baudRate });
      onTestFinished(() => writer.close());
      return { adapterPath: port, baudRate, write: (text) => writer.writeRaw(text) };
    },
  };
}

/** The links the serial contract runs over: the simulator's always, real hardware when configured. */
export function serialLinkKinds(env: NodeJS.ProcessEnv = process.env): SerialLinkKind[] {
  const port = env['SERIAL_TEST_PORT'];
  if (port === undefined || port === '') return [simulator];
  return [simulator, hardware(port, env['SERIAL_TEST_PEER'], env['SERIAL_TEST_BAUD'])];
}
