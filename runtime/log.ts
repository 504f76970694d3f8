/**
 * The runtime's one logger: JSON lines on stderr, because stdout carries the protocol on stdio.
 * `MCPC_LOG_LEVEL` (debug, info, warn, error; default info) sets the threshold.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

const threshold = LEVELS[(process.env.MCPC_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? LEVELS.info;

export type LogFields = Record<string, unknown>;

/** The longest text one log field holds: a hostile input must not make one log line huge. */
const MAX_FIELD_CHARS = 2000;

function write(level: LogLevel, message: string, fields: LogFields): void {
  if (LEVELS[level] < threshold) return;
  const bounded: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    bounded[key] =
      typeof value === 'string' && value.length > MAX_FIELD_CHARS
        ? `${value.slice(0, MAX_FIELD_CHARS)}… (${value.length - MAX_FIELD_CHARS} more characters)`
        : value;
  }
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...bounded })}\n`);
}

export const log = {
  debug: (message: string, fields: LogFields = {}) => write('debug', message, fields),
  info: (message: string, fields: LogFields = {}) => write('info', message, fields),
  warn: (message: string, fields: LogFields = {}) => write('warn', message, fields),
  error: (message: string, fields: LogFields = {}) => write('error', message, fields),
  enabled: (level: LogLevel) => LEVELS[level] >= threshold,
};
