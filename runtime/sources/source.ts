import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { TOOL_INPUT_SETTINGS, TOOL_OUTPUT_SETTINGS } from '../contract/clickhouse-json.js';
import type { Row } from '../contract/query-result.js';
import type { LimitsSpec } from '../contract/spec.js';
import { quoteIdentifier, quoteString } from '../contract/sql-text.js';

export type { Row };

export interface SelectRequest {
  sql: string;
  params: Record<string, unknown>;
  /** The request id, which is also the ClickHouse query_id. */
  queryId: string;
  /** Who asked (the principal's id, never a credential): a ClickHouse server logs it and keys quotas by it. */
  caller: string;
  signal?: AbortSignal;
  /** The W3C traceparent of the query's span, when the call is traced: it travels with the query (see `traceNote`). */
  traceparent?: string;
  /** The ClickHouse roles the query runs under on a server (runtime/call/roles.ts); absent: the connection user's defaults. */
  roles?: readonly string[];
}

/** A read whose rows arrive as they are produced: it may run as long as `timeoutS`, a slow consumer included. */
export interface StreamRequest extends SelectRequest {
  timeoutS: number;
}

/** Rows for one table, written in one INSERT. */
export interface InsertRequest {
  table: { database?: string; name: string };
  rows: readonly Row[];
  /** ClickHouse's `insert_deduplication_token`: a replay of the same block with it is dropped. Hex only. */
  token: string;
  queryId: string;
  caller: string;
  signal?: AbortSignal;
  traceparent?: string;
  roles?: readonly string[];
}

export interface Column {
  name: string;
  type: string;
  comment: string;
}

export interface SourceHealth {
  status: 'ok' | 'down';
  engine: 'embedded' | 'remote';
  version?: string;
  latency_ms?: number;
  error?: string;
  /** How the status was learned: a probe query now, or a query that succeeded moments ago. */
  checked?: 'probe' | 'recent call';
}

/** A ClickHouse source as tools use it: reads under pinned limits, table descriptions, health. */
export interface Source {
  readonly name: string;
  readonly engine: 'embedded' | 'remote';
  readonly limits: LimitsSpec;
  /** The database its queries run in, when the source names one (for traces). */
  readonly database?: string;
  /** Where a ClickHouse server listens (for traces); absent on the embedded engine. */
  readonly server?: { readonly address: string; readonly port: number };
  select(request: SelectRequest): Promise<Row[]>;
  /**
   * Runs SQL written by an agent (approved by the SQL guard) under `readonly=1` and `limits`:
   * on a connection of its own, never one that declared SQL uses.
   */
  selectWritten(request: SelectRequest, limits: LimitsSpec): Promise<Row[]>;
  /**
   * Reads the rows as the engine produces them, a block at a time, pausing the read while the
   * consumer does not pull; cancelling the request (or leaving the loop) stops the query.
   */
  stream(request: StreamRequest): AsyncIterable<Row[]>;
  /** Writes the rows in one INSERT, on a connection that never serves reads. */
  insert(request: InsertRequest): Promise<void>;
  describeTable(database: string | undefined, table: string): Promise<Column[]>;
  health(): Promise<SourceHealth>;
  close(): Promise<void>;
}

/** What a source is, as a wrapper around it (observed, with roles) says it again: its name, engine, limits and place. */
export function sourceFacts(source: Source): Pick<Source, 'name' | 'engine' | 'limits' | 'database' | 'server'> {
  return {
    name: source.name,
    engine: source.engine,
    limits: source.limits,
    ...(source.database === undefined ? {} : { database: source.database }),
    ...(source.server === undefined ? {} : { server: source.server }),
  };
}

/**
 * Settings every declared read runs under, whichever engine: read-only (readonly=2: no writes,
 * and readonly itself cannot be lowered), a time limit, a memory cap, and result limits
 * that stop the engine early (`break`) rather than fail. The engine limits are a memory guard a
 * little above the tool's caps; the runtime cuts rows to the caps itself and says `truncated`.
 * The JSON format settings are those the tools' output and input schemas are derived under
 * (runtime/contract/clickhouse-json.ts): 64-bit integers and decimals quoted, so they reach the
 * agent exactly, DateTime as RFC 3339 in UTC, and DateTime arguments read with their offset.
 */
export function pinnedReadSettings(limits: LimitsSpec): ClickHouseSettings {
  return {
    readonly: '2',
    max_execution_time: limits.maxExecutionTimeS,
    timeout_overflow_mode: 'throw',
    max_result_rows: String(limits.maxRows + 1),
    max_result_bytes: String(limits.maxBytes * 4),
    result_overflow_mode: 'break',
    // One query must not take the process (embedded) or the server down: the engine stops it.
    max_memory_usage: String(limits.maxMemoryBytes),
    ...TOOL_OUTPUT_SETTINGS,
    ...TOOL_INPUT_SETTINGS,
  };
}

/** Blocks of 8192 rows: a stream's batches form from them, and a slow query still yields rows often. */
export const STREAM_BLOCK_SETTINGS = Object.freeze({ max_block_size: '8192' });

/**
 * Settings SQL written by an agent runs under: those of every read, with readonly=1 last. Unlike
 * readonly=2, it refuses every setting change (a `SETTINGS` clause, `SET`) and the table functions
 * that read files, URLs and call arguments (`file()`, `url()`, `format()`): the guard refuses them
 * first, and the engine would refuse them again.
 */
export function pinnedWrittenSettings(limits: LimitsSpec): ClickHouseSettings {
  const { readonly: _two, ...read } = pinnedReadSettings(limits);
  return { ...read, readonly: '1' };
}

/**
 * Settings a stream's read runs under: those of every read, but no cap on the result (the page's
 * LIMIT or the stream's max_rows bounds it, and rows leave as they are read), and the time a
 * stream may take, a slow consumer included.
 */
export function pinnedStreamSettings(limits: LimitsSpec, timeoutS: number): ClickHouseSettings {
  const { max_result_rows: _rows, max_result_bytes: _bytes, result_overflow_mode: _mode, ...read } = pinnedReadSettings(limits);
  return { ...read, max_execution_time: timeoutS, ...STREAM_BLOCK_SETTINGS };
}

/** The settings as `SET` statements for a connection that keeps them, readonly last (it locks the rest). */
export function setStatements(settings: ClickHouseSettings): string[] {
  return Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a === 'readonly' ? 1 : b === 'readonly' ? -1 : 0))
    .map(([key, value]) => `SET ${key} = ${typeof value === 'number' || /^[0-9]+$/.test(String(value)) ? String(value) : quoteString(String(value))}`);
}

/**
 * Settings every insert runs under: deduplicated by its token, synchronous (the call answers when
 * the rows are written), JSON read as tools return it (DateTime with its offset), and fields of
 * no column refused rather than skipped (the input schema refuses them first).
 */
export function pinnedInsertSettings(limits: LimitsSpec, token: string): ClickHouseSettings {
  if (!/^[0-9a-f]+$/.test(token)) throw new Error('mcpc internal error: an insert deduplication token is not hex');
  return {
    insert_deduplicate: 1,
    insert_deduplication_token: token,
    async_insert: 0,
    max_execution_time: limits.maxExecutionTimeS,
    max_memory_usage: String(limits.maxMemoryBytes),
    ...TOOL_INPUT_SETTINGS,
    input_format_skip_unknown_fields: 0,
  };
}

/** The table of an insert, quoted. */
export function insertTarget(table: InsertRequest['table']): string {
  return table.database === undefined ? quoteIdentifier(table.name) : `${quoteIdentifier(table.database)}.${quoteIdentifier(table.name)}`;
}

/** Lists a table's columns through the reading client (system.columns is readable under readonly). */
export async function describeWith(client: ClickHouseClient, database: string | undefined, table: string, settings?: ClickHouseSettings): Promise<Column[]> {
  const result = await client.query({
    query:
      database === undefined
        ? 'SELECT name, type, comment FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position'
        : 'SELECT name, type, comment FROM system.columns WHERE database = {database:String} AND table = {table:String} ORDER BY position',
    query_params: database === undefined ? { table } : { database, table },
    format: 'JSONEachRow',
    ...(settings ? { clickhouse_settings: settings } : {}),
  });
  return result.json<Column>();
}

/**
 * The settings that carry the caller to a ClickHouse server, so its own query log and quotas see
 * who asked: `quota_key` (quotas keyed by it count per caller) and, on servers that know it,
 * `log_comment` (in system.query_log; see `logComment`). Sent per query; both are allowed under readonly=2.
 */
export function callerSettings(caller: string, withLogComment: boolean, traceparent?: string): ClickHouseSettings {
  return withLogComment ? { quota_key: caller, log_comment: logComment(caller, traceparent) } : { quota_key: caller };
}

/**
 * A query's `log_comment`: the caller, then, when the call is traced, the query's trace as
 * SQLCommenter writes it (`traceNote`), so system.query_log joins the trace:
 * `alice traceparent='00-<trace id>-<span id>-01'`.
 */
export function logComment(caller: string, traceparent: string | undefined): string {
  const note = traceNote(traceparent);
  return note === undefined ? caller : `${caller} ${note}`;
}

/** A W3C traceparent: version, trace id, parent (span) id, flags, in lowercase hex. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** `traceparent='00-…'`, as SQLCommenter writes it; only a well-formed traceparent is ever written (the text goes next to SQL). */
function traceNote(traceparent: string | undefined): string | undefined {
  return traceparent !== undefined && TRACEPARENT.test(traceparent) ? `traceparent='${traceparent}'` : undefined;
}

/**
 * The text an embedded read runs: its mark (a leading comment naming its request, by which a
 * cancelled read is killed), then the SQL; when the call is traced, the query's `log_comment`
 * follows in a SETTINGS clause of this query only (chDB keeps settings a query sends as `SET`
 * on its connection; a clause does not outlive its query). SQL written by an agent runs where
 * settings are locked (readonly=1): its trace goes in a comment after the mark instead.
 */
export function markedSql(request: SelectRequest, settingsLocked = false): { mark: string; text: string } {
  const mark = `/* mcpc:${request.queryId} */`;
  const note = traceNote(request.traceparent);
  if (note === undefined) return { mark, text: `${mark} ${request.sql}` };
  if (settingsLocked) return { mark, text: `${mark} /* ${note} */ ${request.sql}` };
  // On a line of its own: a `--` comment ending the SQL cannot swallow it.
  return { mark, text: `${mark} ${request.sql}\nSETTINGS log_comment = ${quoteString(logComment(request.caller, request.traceparent))}` };
}
