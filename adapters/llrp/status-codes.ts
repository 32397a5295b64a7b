import type { LLRPStatus } from './types.js';

/**
 * LLRPStatus.StatusCode values: spec 1.0.1 §14.2.1 / 1.1 §15.2.1 "LLRP Status Codes"
 * (`llrp-1x0-def.xml` enum StatusCode). M_* are message-level, P_* parameter-level, A_* field-level,
 * R_* reader-level.
 */
export const StatusCode = {
  M_Success: 0,
  M_ParameterError: 100,
  M_FieldError: 101,
  M_UnexpectedParameter: 102,
  M_MissingParameter: 103,
  M_DuplicateParameter: 104,
  M_OverflowParameter: 105,
  M_OverflowField: 106,
  M_UnknownParameter: 107,
  M_UnknownField: 108,
  M_UnsupportedMessage: 109,
  M_UnsupportedVersion: 110,
  M_UnsupportedParameter: 111,
  M_UnexpectedMessage: 112, // 1.1 only
  P_ParameterError: 200,
  P_FieldError: 201,
  P_UnexpectedParameter: 202,
  P_MissingParameter: 203,
  P_DuplicateParameter: 204,
  P_OverflowParameter: 205,
  P_OverflowField: 206,
  P_UnknownParameter: 207,
  P_UnknownField: 208,
  P_UnsupportedParameter: 209,
  A_Invalid: 300,
  A_OutOfRange: 301,
  R_DeviceError: 401,
} as const;
export type StatusCodeName = keyof typeof StatusCode;

const NAMES = new Map<number, StatusCodeName>(
  Object.entries(StatusCode).map(([name, code]) => [code, name as StatusCodeName]),
);

/** `M_Success` for 0, …; `Unknown_<n>` for a code the spec does not define (a reader may invent one). */
export function statusCodeName(code: number): string {
  return NAMES.get(code) ?? `Unknown_${code}`;
}

/** True when the status says M_Success. */
export function isSuccess(status: LLRPStatus): boolean {
  return status.statusCode === StatusCode.M_Success;
}

/** Build an LLRPStatus parameter (for responses an emulator sends). */
export function makeStatus(statusCode: number = StatusCode.M_Success, errorDescription = ''): LLRPStatus {
  return { type: 'LLRPStatus', statusCode, errorDescription };
}
