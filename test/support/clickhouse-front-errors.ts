// TEST DOUBLE, NEVER SHIPPED: exceptions of the ClickHouse HTTP front (clickhouse-front.ts), sent as
// ClickHouse's HTTP interface sends them.

import type { ServerResponse } from 'node:http';

export const NOT_IMPLEMENTED = 48;
export const QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING = 216;
export const AUTHENTICATION_FAILED = 516;
const STD_EXCEPTION = 1001;

/** ClickHouse's exceptionCodeToHTTPStatus (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp). */
const STATUS_BY_CODE = new Map<number, number>([
  [194, 401], // REQUIRED_PASSWORD
  ...[192, 193, 516, 512, 497].map((code) => [code, 403] as [number, number]), // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, SET_NON_GRANTED_ROLE, ACCESS_DENIED
  // BAD_ARGUMENTS, CANNOT_COMPILE_REGEXP, CANNOT_PARSE_*, DUPLICATE_COLUMN, ILLEGAL_COLUMN, UNKNOWN_ELEMENT_IN_AST,
  // UNKNOWN_TYPE_OF_AST_NODE, THERE_IS_NO_COLUMN, TOO_DEEP_AST, TOO_BIG_AST, UNEXPECTED_AST_STRUCTURE, SYNTAX_ERROR,
  // INCORRECT_DATA, TYPE_MISMATCH, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  ...[36, 427, 6, 25, 26, 38, 41, 72, 441, 467, 468, 69, 15, 44, 8, 45, 167, 168, 32, 62, 117, 53, 321].map((code) => [code, 400] as [number, number]),
  // UNKNOWN_TABLE, UNKNOWN_FUNCTION, UNKNOWN_IDENTIFIER, UNKNOWN_TYPE, UNKNOWN_STORAGE, UNKNOWN_DATABASE, UNKNOWN_SETTING,
  // UNKNOWN_DIRECTION_OF_SORTING, UNKNOWN_AGGREGATE_FUNCTION, UNKNOWN_FORMAT, UNKNOWN_DATABASE_ENGINE, UNKNOWN_TYPE_OF_QUERY, UNKNOWN_ROLE
  ...[60, 46, 47, 50, 56, 81, 115, 66, 63, 73, 336, 57, 511].map((code) => [code, 404] as [number, number]),
  [101, 413], // QUERY_IS_TOO_LARGE
  [NOT_IMPLEMENTED, 501],
  [209, 503], // SOCKET_TIMEOUT
  [76, 503], // CANNOT_OPEN_FILE
  [381, 411], // HTTP_LENGTH_REQUIRED
  [159, 408], // TIMEOUT_EXCEEDED
  [439, 503], // CANNOT_SCHEDULE_TASK
  [415, 415], // UNSUPPORTED_MEDIA_TYPE
]);

/** An exception of the front itself, written as the server writes its own: the message ends with the code's name. */
export class FrontError extends Error {
  constructor(
    readonly code: number,
    name: string,
    message: string,
  ) {
    super(`${message}. (${name})`);
  }
}

/** The X-ClickHouse-Summary header, with the rows and bytes chDB reports (it does not count every insert). */
export function summary(readRows: number, readBytes: number, writtenRows = 0, elapsedS = 0, resultRows = 0, resultBytes = 0): string {
  return JSON.stringify({
    read_rows: String(readRows),
    read_bytes: String(readBytes),
    written_rows: String(writtenRows),
    written_bytes: '0',
    total_rows_to_read: '0',
    result_rows: String(resultRows),
    result_bytes: String(resultBytes),
    elapsed_ns: String(Math.round(elapsedS * 1e9)),
  });
}

/** The body of an exception as the server writes it. */
export function exceptionText(error: unknown, version: string): string {
  const { code, message } = describe(error);
  const text = /^Code: \d+\. DB::Exception: /.test(message) ? message : `Code: ${code}. DB::Exception: ${message}`;
  return `${text} (version ${version})`;
}

function describe(error: unknown): { code: number; message: string } {
  if (error instanceof FrontError) return { code: error.code, message: error.message };
  const message = (error instanceof Error ? error.message : String(error)).replace(/^Query failed: /, '');
  const code = /Code: (\d+)\. DB::Exception/.exec(message)?.[1];
  return code === undefined ? { code: STD_EXCEPTION, message: `${message} (STD_EXCEPTION)` } : { code: Number(code), message };
}

export function sendError(response: ServerResponse, queryId: string, error: unknown, version: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const { code } = describe(error);
  response.writeHead(STATUS_BY_CODE.get(code) ?? 500, {
    'content-type': 'text/plain; charset=UTF-8',
    'x-clickhouse-server-display-name': 'mcpc-test-front',
    ...(queryId === '' ? {} : { 'x-clickhouse-query-id': queryId }),
    'x-clickhouse-exception-code': String(code),
    'x-clickhouse-summary': summary(0, 0),
  });
  response.end(`${exceptionText(error, version)}\n`);
}
