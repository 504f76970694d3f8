/**
 * A tool call that failed in a way the caller should hear about: a stable dotted code and a
 * short message that names what to fix. Never a stack trace, a secret or the full SQL.
 */
export class ToolFailure extends Error {
  /** For retryable failures (SERVER.BUSY, BUDGET.EXHAUSTED, STATE.UNAVAILABLE): when a retry may succeed. */
  readonly retryAfterMs?: number;

  constructor(
    readonly code: ToolErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export type ToolErrorCode =
  | 'PARAMS.INVALID'
  | 'QUERY.TIMEOUT'
  | 'QUERY.FAILED'
  | 'QUERY.FORBIDDEN'
  | 'QUERY.RESOURCE_LIMIT'
  | 'SOURCE.UNAVAILABLE'
  | 'SOURCE.REFUSED'
  | 'REQUEST.CANCELLED'
  | 'SERVER.BUSY'
  | 'BUDGET.EXHAUSTED'
  | 'STATE.UNAVAILABLE'
  | 'STEP.FAILED'
  | 'STEP.TIMEOUT'
  | 'IDEMPOTENCY.CONFLICT'
  | 'STREAM.BUSY'
  | 'SCHEMA.DRIFT'
  | 'SQL.REFUSED'
  | 'AUTH.NO_ROLE'
  | 'INTERNAL';

/** Refuses to start: bad configuration, an unusable database. The message is for the operator. */
export class StartupError extends Error {}
