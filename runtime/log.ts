/**
 * The runtime's one logger: JSON lines on stderr, because stdout carries the protocol on stdio.
 * `MCPC_LOG_LEVEL` (debug, info, warn, error; default info) sets the threshold.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

const threshold = LEVELS[(process.env.MCPC_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? LEVELS.info;

export type LogFields = Record<string, unknown>;

function write(level: LogLevel, message: string, fields: LogFields): void {
  if (LEVELS[level] < threshold) return;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
}

export const log = {
  debug: (message: string, fields: LogFields = {}) => write('debug', message, fields),
  info: (message: string, fields: LogFields = {}) => write('info', message, fields),
  warn: (message: string, fields: LogFields = {}) => write('warn', message, fields),
  error: (message: string, fields: LogFields = {}) => write('error', message, fields),
  enabled: (level: LogLevel) => LEVELS[level] >= threshold,
};
