import type { LimitsSpec } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';

/** ClickHouse error codes the caller can act on. */
const TIMEOUT = new Set(['159', '160']); // TIMEOUT_EXCEEDED, TOO_SLOW
const RESOURCE = new Set(['241', '396', '158', '307']); // MEMORY_LIMIT_EXCEEDED, TOO_MANY_ROWS_OR_BYTES, TOO_MANY_ROWS, TOO_MANY_BYTES
const FORBIDDEN = new Set(['164', '497']); // READONLY, ACCESS_DENIED
const BAD_VALUE = new Set(['6', '26', '27', '38', '41', '53', '69', '70', '72', '376', '457']); // value parsing failures of bound params
const CONNECTION = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|connect ETIMEDOUT|Timeout error|other side closed/i;

/**
 * Maps a failed query to a tool error the caller can act on. ClickHouse messages echo the whole
 * query and can run long; the caller gets the first sentence about its call, capped, and the
 * full error goes to the log under the request id.
 */
export function classifyQueryError(error: unknown, signal: AbortSignal, limits: LimitsSpec): ToolFailure {
  const failure = classify(error, signal, limits);
  return new ToolFailure(failure.code, failure.message, { cause: error });
}

/**
 * The engine's numeric error code, when the engine refused the query; undefined for other
 * failures (network errors carry Node's codes, such as ECONNREFUSED). chDB's streaming API
 * reports the code only in its message ("Code: 159. DB::Exception: ...").
 */
export function engineErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return code;
  return /\bCode: (\d+)\. DB::Exception/.exec(String(error))?.[1];
}

function classify(error: unknown, signal: AbortSignal, limits: LimitsSpec): ToolFailure {
  if (signal.aborted) return new ToolFailure('REQUEST.CANCELLED', 'the request was cancelled');
  const rawCode = (error as { code?: unknown } | null)?.code;
  const code = engineErrorCode(error);
  // Node's network codes (ECONNREFUSED) lead the message; an engine's numeric code (a ClickHouse
  // server's error carries it beside its message) is not part of what the caller reads.
  const message = `${typeof rawCode === 'string' && code === undefined ? `${rawCode} ` : ''}${error instanceof Error ? error.message : String(error)}`;
  if (code && TIMEOUT.has(code)) {
    return new ToolFailure(
      'QUERY.TIMEOUT',
      `the query ran longer than the source's limit of ${limits.maxExecutionTimeS} s; narrow the arguments (a shorter date range, a smaller limit)`,
    );
  }
  if (code && RESOURCE.has(code)) return new ToolFailure('QUERY.RESOURCE_LIMIT', `the query hit a resource limit of the source: ${sanitize(message)}`);
  if (code && FORBIDDEN.has(code)) return new ToolFailure('QUERY.FORBIDDEN', `the source refused the query: ${sanitize(message)}`);
  if (code && BAD_VALUE.has(code)) return new ToolFailure('PARAMS.INVALID', `ClickHouse could not use an argument: ${sanitize(message)}`);
  if (!code && CONNECTION.test(message)) return new ToolFailure('SOURCE.UNAVAILABLE', 'the ClickHouse source is unavailable; try again later');
  return new ToolFailure('QUERY.FAILED', `the query failed: ${sanitize(message)}`);
}

/**
 * The part of a ClickHouse message that is about the problem: without the code prefix, the
 * echo of the query ("In scope SELECT ..."), version and stack trace, at most 300 characters.
 */
export function sanitize(message: string): string {
  let text = message.split('\n')[0] ?? '';
  text = text.replace(/^(CHDB_STREAM )?Code: \d+[.,]\s*(e\.displayText\(\) = )?DB::Exception:\s*/, '');
  // Everything from the first echo of the query, in any of the forms ClickHouse uses, is dropped.
  const echo = /:?\s+in scope\s|: while executing|\s\(version |\. Stack trace|: While processing\s/i.exec(text);
  if (echo) text = text.slice(0, echo.index);
  text = text.replace(/\s*\([A-Z_]+\)\s*$/, '').replace(/[.\s]+$/, '');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
