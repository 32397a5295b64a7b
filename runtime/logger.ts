import { pino, destination, type Logger } from 'pino';
import { redactionOptions } from './log-redaction.js';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for command output such as `parse`).
 * LOG_LEVEL sets the level (default info; `silent` turns logs off).
 */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    {
      name,
      level: process.env['LOG_LEVEL'] ?? 'info',
      base: { pid: process.pid, ...bindings },
      // Secret fields and URL passwords never reach the log (docs/security.md).
      ...redactionOptions(),
    },
    destination({ fd: 2, sync: false }),
  );
}
