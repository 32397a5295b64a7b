import { createConnection } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  LlrpConnection,
  LlrpStatusError,
  openTcp,
  systemTimers,
  type LlrpConnectionError,
} from '../../../adapters/llrp/client/index.js';
import { LlrpFrameDecoder, encodeMessage, type LlrpMessage } from '../../../adapters/llrp/index.js';
import { roSpec, RoSpecSettings } from '../../../adapters/llrp/client/index.js';
import { startEmulator } from './llrp-harness.js';

/** A raw LlrpConnection to the emulator, past the connection event. */
async function connect(port: number): Promise<LlrpConnection> {
  const stream = await openTcp('127.0.0.1', port);
  const connection = new LlrpConnection(
    stream,
    { readerId: 'emu', responseTimeoutMs: 10_000, maxMessageBytes: 1_048_576 },
    {
      onTagReports: () => undefined,
      onReaderEvent: () => undefined,
      onBadMessage: () => undefined,
      onUnexpected: () => undefined,
      onKeepaliveLate: () => undefined,
      onClosed: (_error: LlrpConnectionError) => undefined,
    },
    systemTimers,
  );
  onTestFinished(() => connection.end(1_000));
  await connection.awaitConnectionEvent(10_000);
  return connection;
}

async function refusal(promise: Promise<unknown>): Promise<LlrpStatusError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(LlrpStatusError);
  return error as LlrpStatusError;
}

describe('LLRP reader errors become typed errors naming status and field', () => {
  it('START_ROSPEC of an unknown ROSpecID: M_FieldError on field 0', async () => {
    const emulator = await startEmulator();
    const connection = await connect(emulator.port);
    const error = await refusal(connection.request({ type: 'START_ROSPEC', roSpecId: 99 }));
    expect(error).toMatchObject({
      code: 'BT_LLRP_STATUS',
      request: 'START_ROSPEC',
      statusCode: 101,
      statusName: 'M_FieldError',
      location: { fieldNum: 0, fieldErrorCode: 300, fieldErrorName: 'A_Invalid' },
      retriable: false,
    });
    expect(error.description).toMatch(/no ROSpec with ROSpecID 99/);
    expect(error.message).toMatch(/M_FieldError \(101\) at field 0 A_Invalid/);
  });

  it('ADD_ROSPEC of an existing id: M_ParameterError naming ROSpec(177), P_FieldError, field 0', async () => {
    const emulator = await startEmulator();
    const connection = await connect(emulator.port);
    const spec = roSpec(RoSpecSettings.parse({ rospecId: 5 }));
    await connection.request({ type: 'ADD_ROSPEC', roSpec: spec });
    const error = await refusal(connection.request({ type: 'ADD_ROSPEC', roSpec: spec }));
    expect(error).toMatchObject({
      statusCode: 100,
      statusName: 'M_ParameterError',
      location: {
        parameterType: 177,
        parameterName: 'ROSpec',
        parameterErrorName: 'P_FieldError',
        fieldNum: 0,
        fieldErrorName: 'A_Invalid',
        path: 'ROSpec(177)',
      },
    });
  });

  it('START_ROSPEC of a Disabled spec is refused until ENABLE_ROSPEC; then STOP works once', async () => {
    const emulator = await startEmulator();
    const connection = await connect(emulator.port);
    await connection.request({ type: 'ADD_ROSPEC', roSpec: roSpec(RoSpecSettings.parse({ rospecId: 2 })) });
    const disabled = await refusal(connection.request({ type: 'START_ROSPEC', roSpecId: 2 }));
    expect(disabled.description).toMatch(/Disabled/);
    await connection.request({ type: 'ENABLE_ROSPEC', roSpecId: 2 });
    await connection.request({ type: 'START_ROSPEC', roSpecId: 2 });
    expect(emulator.stats().rospecs).toEqual([{ id: 2, state: 'Active' }]);
    await connection.request({ type: 'STOP_ROSPEC', roSpecId: 2 });
    const again = await refusal(connection.request({ type: 'STOP_ROSPEC', roSpecId: 2 }));
    expect(again.description).toMatch(/not Active/);
  });

  it('answers a message it does not support with ERROR_MESSAGE M_UnsupportedMessage and the same id', async () => {
    const emulator = await startEmulator();
    const socket = createConnection({ host: '127.0.0.1', port: emulator.port });
    onTestFinished(() => void socket.destroy());
    const decoder = new LlrpFrameDecoder();
    const received: LlrpMessage[] = [];
    socket.on('data', (chunk: Buffer) => {
      for (const r of decoder.push(chunk)) if (r.ok) received.push(r.message);
    });
    await expect.poll(() => received[0]?.type, { timeout: 15_000 }).toBe('READER_EVENT_NOTIFICATION');
    // A Zebra (vendor 161) custom message: not something this reader knows.
    socket.write(
      encodeMessage({ type: 'CUSTOM_MESSAGE', id: 0x2a, vendorId: 161, subtype: 3, data: Buffer.alloc(0) }),
    );
    await expect
      .poll(() => received[1], { timeout: 15_000 })
      .toMatchObject({
        type: 'ERROR_MESSAGE',
        id: 0x2a,
        llrpStatus: { statusCode: 109 },
      });
  });
});
