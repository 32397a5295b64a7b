import { describe, expect, it } from 'vitest';
import {
  LlrpClientErrorCode,
  LlrpStatusError,
  LlrpTimeoutError,
} from '../../../adapters/llrp/client/index.js';
import { emptyTagReportData, makeStatus, type LlrpMessage } from '../../../adapters/llrp/index.js';
import { clientUnderTest, poll } from './client-under-test.js';

function report(id: number, epc: string): LlrpMessage {
  const trd = emptyTagReportData(epc);
  trd.antennaId = 2;
  return { type: 'RO_ACCESS_REPORT', id, tagReportData: [trd] };
}

describe('LLRP client: reports, keepalives and responses in every state', () => {
  it('answers KEEPALIVE and takes reports while still configuring', async () => {
    const t = clientUnderTest();
    t.reader.hold('SET_READER_CONFIG');
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.reader.held.length).toBe(1);
    expect(t.client.currentState).toBe('configuring');

    t.reader.send({ type: 'KEEPALIVE', id: 0xdead_beef });
    t.reader.send(report(77, '300833B2DDD906C000000000'));
    await poll(() => t.reader.types().includes('KEEPALIVE_ACK')).toBe(true);
    expect(t.reader.received.find((m) => m.type === 'KEEPALIVE_ACK')?.id).toBe(0xdead_beef);
    await poll(() => t.tags.map((x) => x.epc)).toEqual(['300833B2DDD906C000000000']);

    t.reader.release('SET_READER_CONFIG');
    await poll(() => t.client.currentState).toBe('inventorying');
  });

  it('matches responses by Message ID: a stale response of the same type does not answer the request', async () => {
    const t = clientUnderTest();
    t.reader.hold('DELETE_ROSPEC');
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.reader.held.length).toBe(1);
    const request = t.reader.held[0]!;
    // A late answer from an earlier exchange (sllurp #210): same type, other id, a failure status.
    t.reader.send({
      type: 'DELETE_ROSPEC_RESPONSE',
      id: request.id + 1000,
      llrpStatus: makeStatus(101, 'stale'),
    });
    await poll(() => t.client.stats().unexpected).toBe(1);
    expect(t.client.currentState).toBe('configuring');
    t.reader.release('DELETE_ROSPEC');
    await poll(() => t.client.currentState).toBe('inventorying');
    expect(t.errors).toEqual([]);
  });

  it('times a request out, drops the connection and reconnects', async () => {
    const t = clientUnderTest();
    t.reader.hold('ADD_ROSPEC');
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.reader.held.length).toBe(1);
    t.timers.advance(1_999);
    expect(t.errors).toEqual([]);
    t.timers.advance(1);
    await poll(() => t.errors.length).toBeGreaterThan(0);
    expect(t.errors[0]).toBeInstanceOf(LlrpTimeoutError);
    expect(t.errors[0]).toMatchObject({ request: 'ADD_ROSPEC', timeoutMs: 2_000, retriable: true });
    await poll(() => t.client.currentState).toBe('reconnecting');
    t.timers.advance(100);
    await poll(() => t.reader.connections).toBe(2);
  });

  it('turns a refusal into an LlrpStatusError naming status, parameter and field', async () => {
    const t = clientUnderTest();
    t.reader.answers.set('ADD_ROSPEC', (request) => ({
      type: 'ADD_ROSPEC_RESPONSE',
      id: request.id,
      llrpStatus: {
        type: 'LLRPStatus',
        statusCode: 100,
        errorDescription: 'invalid HopTableID',
        parameterError: {
          type: 'ParameterError',
          parameterType: 177,
          errorCode: 200,
          parameterError: {
            type: 'ParameterError',
            parameterType: 224,
            errorCode: 201,
            fieldError: { type: 'FieldError', fieldNum: 0, errorCode: 301 },
          },
        },
      },
    }));
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await poll(() => t.errors.find((e) => e instanceof LlrpStatusError)).toBeDefined();
    const error = t.errors.find((e) => e instanceof LlrpStatusError) as LlrpStatusError;
    expect(error).toMatchObject({
      code: LlrpClientErrorCode.STATUS,
      request: 'ADD_ROSPEC',
      statusCode: 100,
      statusName: 'M_ParameterError',
      description: 'invalid HopTableID',
      location: {
        path: 'ROSpec(177) > RFTransmitter(224)',
        parameterType: 224,
        parameterName: 'RFTransmitter',
        parameterErrorName: 'P_FieldError',
        fieldNum: 0,
        fieldErrorName: 'A_OutOfRange',
      },
    });
    expect(error.message).toContain(
      'M_ParameterError (100) at ROSpec(177) > RFTransmitter(224) P_FieldError field 0 A_OutOfRange',
    );
    // Reported, then retried with backoff (the reader may be reconfigured meanwhile).
    await poll(() => t.client.currentState).toBe('reconnecting');
  });

  it('answers ERROR_MESSAGE to a request as a status error, and ignores an unsolicited one', async () => {
    const t = clientUnderTest({ impinjExtensions: true });
    t.reader.answers.set('IMPINJ_ENABLE_EXTENSIONS', (request) => ({
      type: 'ERROR_MESSAGE',
      id: request.id,
      llrpStatus: makeStatus(109, 'unsupported'),
    }));
    t.client.start();
    await poll(() => t.reader.connections).toBe(1);
    t.reader.greet();
    await expect
      .poll(() => t.errors.find((e) => e instanceof LlrpStatusError))
      .toMatchObject({
        request: 'IMPINJ_ENABLE_EXTENSIONS',
        statusName: 'M_UnsupportedMessage',
      });
  });
});
