import { pino, destination, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for command output such as `parse`).
 * LOG_LEVEL sets the level (default info; `silent` turns logs off).
 */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    { name, level: process.env['LOG_LEVEL'] ?? 'info', base: { pid: process.pid, ...bindings } },
    destination({ fd: 2, sync: false }),
  );
}
