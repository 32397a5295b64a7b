import { createLogger, type Logger } from '../../../runtime/logger.js';

/** Adapter logs in tests: warnings and errors only, unless LOG_LEVEL asks for more. */
export function quietLogger(name: string): Logger {
  const logger = createLogger(name);
  if (process.env['LOG_LEVEL'] === undefined) logger.level = 'warn';
  return logger;
}
