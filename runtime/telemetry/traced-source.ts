import { type Attributes, type Context, type Histogram, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type { LimitsSpec } from '../contract/spec.js';
import type { InsertRequest, Row, SelectRequest, Source, StreamRequest } from '../sources/source.js';
import { classifyQueryError, engineErrorCode } from '../tools/query-errors.js';
import { ToolFailure } from '../errors.js';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_RETURNED_ROWS,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_MCPC_REQUEST_ID,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_CLICKHOUSE,
} from './attributes.js';
import { endSpan } from './spans.js';

/** What a traced source needs of the server's telemetry. */
interface QueryTracing {
  readonly tracer: Tracer;
  /** `db.client.operation.duration`. */
  readonly queryDuration: Histogram;
  traceparentOf(context: Context): string | undefined;
}

/**
 * A source as one traced call sees it: each query runs inside a span (kind CLIENT) named and
 * attributed per the database client conventions, and carries that span's traceparent to
 * ClickHouse (request.traceparent: `log_comment` on a server, a comment before the SQL on the
 * embedded engine), so the engine's own records of the query join the trace. The declared SQL
 * is recorded as `db.query.text` (its values are bound, never in the text); SQL written by an
 * agent is not (it is the caller's argument), nor is any argument value.
 */
export function tracedSource(source: Source, parent: Context, telemetry: QueryTracing): Source {
  const namespace = source.database ?? 'default';
  const base: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_CLICKHOUSE,
    [ATTR_DB_NAMESPACE]: namespace,
    ...(source.server === undefined ? {} : { [ATTR_SERVER_ADDRESS]: source.server.address, [ATTR_SERVER_PORT]: source.server.port }),
  };
  const start = (operation: string, target: string, attributes: Attributes, queryId: string) => {
    const span = telemetry.tracer.startSpan(
      `${operation} ${target}`,
      { kind: SpanKind.CLIENT, attributes: { ...base, [ATTR_DB_OPERATION_NAME]: operation, [ATTR_MCPC_REQUEST_ID]: queryId, ...attributes } },
      parent,
    );
    return { span, traceparent: telemetry.traceparentOf(trace.setSpan(parent, span)), started: performance.now() };
  };
  const finish = (query: { span: Span; started: number }, operation: string, error: unknown, signal: AbortSignal | undefined, rows?: number) => {
    let code: string | undefined;
    if (error !== undefined) {
      code = error instanceof ToolFailure ? error.code : classifyQueryError(error, signal ?? new AbortController().signal, source.limits).code;
      const engine = engineErrorCode(error);
      if (engine !== undefined) query.span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, engine);
    }
    if (rows !== undefined) query.span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows);
    endSpan(query.span, code);
    telemetry.queryDuration.record((performance.now() - query.started) / 1000, {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_CLICKHOUSE,
      [ATTR_DB_NAMESPACE]: namespace,
      [ATTR_DB_OPERATION_NAME]: operation,
      ...(code === undefined ? {} : { [ATTR_ERROR_TYPE]: code }),
    });
  };
  const read = async (request: SelectRequest, text: boolean, run: (request: SelectRequest) => Promise<Row[]>): Promise<Row[]> => {
    const query = start('SELECT', namespace, text ? { [ATTR_DB_QUERY_TEXT]: request.sql } : {}, request.queryId);
    try {
      const rows = await run(withTrace(request, query.traceparent));
      finish(query, 'SELECT', undefined, request.signal, rows.length);
      return rows;
    } catch (error) {
      finish(query, 'SELECT', error, request.signal);
      throw error;
    }
  };
  return {
    ...source,
    select: (request) => read(request, true, (r) => source.select(r)),
    selectWritten: (request: SelectRequest, limits: LimitsSpec) => read(request, false, (r) => source.selectWritten(r, limits)),
    async *stream(request: StreamRequest): AsyncIterable<Row[]> {
      const query = start('SELECT', namespace, { [ATTR_DB_QUERY_TEXT]: request.sql }, request.queryId);
      let rows = 0;
      let failure: unknown;
      try {
        for await (const batch of source.stream(withTrace(request, query.traceparent))) {
          rows += batch.length;
          yield batch;
        }
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        finish(query, 'SELECT', failure, request.signal, rows);
      }
    },
    async insert(request: InsertRequest): Promise<void> {
      const table = request.table.database === undefined ? request.table.name : `${request.table.database}.${request.table.name}`;
      const query = start('INSERT', table, { [ATTR_DB_COLLECTION_NAME]: table }, request.queryId);
      try {
        await source.insert(withTrace(request, query.traceparent));
        finish(query, 'INSERT', undefined, request.signal);
      } catch (error) {
        finish(query, 'INSERT', error, request.signal);
        throw error;
      }
    },
  };
}

function withTrace<R extends { traceparent?: string }>(request: R, traceparent: string | undefined): R {
  return traceparent === undefined ? request : { ...request, traceparent };
}
