/**
 * LLRP message type numbers: spec 1.0.1 Table 4 / 1.1 Table 5 (10-bit field of the header).
 * CLOSE_CONNECTION (14) and its response (4) are "inverted" compared with every other pair.
 */
export const MessageType = {
  GET_READER_CAPABILITIES: 1,
  GET_READER_CONFIG: 2,
  SET_READER_CONFIG: 3,
  CLOSE_CONNECTION_RESPONSE: 4,
  GET_READER_CAPABILITIES_RESPONSE: 11,
  GET_READER_CONFIG_RESPONSE: 12,
  SET_READER_CONFIG_RESPONSE: 13,
  CLOSE_CONNECTION: 14,
  ADD_ROSPEC: 20,
  DELETE_ROSPEC: 21,
  START_ROSPEC: 22,
  STOP_ROSPEC: 23,
  ENABLE_ROSPEC: 24,
  DISABLE_ROSPEC: 25,
  GET_ROSPECS: 26,
  ADD_ROSPEC_RESPONSE: 30,
  DELETE_ROSPEC_RESPONSE: 31,
  START_ROSPEC_RESPONSE: 32,
  STOP_ROSPEC_RESPONSE: 33,
  ENABLE_ROSPEC_RESPONSE: 34,
  DISABLE_ROSPEC_RESPONSE: 35,
  GET_ROSPECS_RESPONSE: 36,
  ADD_ACCESSSPEC: 40,
  DELETE_ACCESSSPEC: 41,
  ENABLE_ACCESSSPEC: 42,
  DISABLE_ACCESSSPEC: 43,
  GET_ACCESSSPECS: 44,
  CLIENT_REQUEST_OP: 45,
  GET_SUPPORTED_VERSION: 46, // 1.1, sent with Ver = 2
  SET_PROTOCOL_VERSION: 47, // 1.1
  ADD_ACCESSSPEC_RESPONSE: 50,
  DELETE_ACCESSSPEC_RESPONSE: 51,
  ENABLE_ACCESSSPEC_RESPONSE: 52,
  DISABLE_ACCESSSPEC_RESPONSE: 53,
  GET_ACCESSSPECS_RESPONSE: 54,
  CLIENT_REQUEST_OP_RESPONSE: 55,
  GET_SUPPORTED_VERSION_RESPONSE: 56, // 1.1: the only response whose LLRPStatus is not first
  SET_PROTOCOL_VERSION_RESPONSE: 57, // 1.1
  GET_REPORT: 60,
  RO_ACCESS_REPORT: 61,
  KEEPALIVE: 62,
  READER_EVENT_NOTIFICATION: 63,
  ENABLE_EVENTS_AND_REPORTS: 64,
  KEEPALIVE_ACK: 72,
  ERROR_MESSAGE: 100,
  CUSTOM_MESSAGE: 1023,
} as const;
export type MessageTypeName = keyof typeof MessageType;

const NAMES = new Map<number, MessageTypeName>(
  Object.entries(MessageType).map(([name, code]) => [code, name as MessageTypeName]),
);

/** The spec name of a message type number, or undefined when LLRP does not define it. */
export function messageTypeName(code: number): MessageTypeName | undefined {
  return NAMES.get(code);
}
