/**
 * A tool call that failed in a way the caller should hear about: a stable dotted code and a
 * short message that names what to fix. Never a stack trace, a secret or the full SQL.
 */
export class ToolFailure extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
  | 'INTERNAL';

/** Refuses to start: bad configuration, an unusable database. The message is for the operator. */
export class StartupError extends Error {}
