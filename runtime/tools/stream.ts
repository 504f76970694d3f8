import type { CallContext } from '../call/context.js';
import { rowSchemaOf } from '../contract/clickhouse-json.js';
import { withEmptyInputs } from '../contract/empty-inputs.js';
import type { Row } from '../contract/query-result.js';
import type { JsonObject, StreamToolSpec } from '../contract/spec.js';
import { afterPageSql, afterParams, firstPageSql, keyOf, PAGE_LIMIT_PARAM, pageEnd, STREAM_CURSOR, streamOutputSchema } from '../contract/stream.js';
import { ToolFailure } from '../errors.js';
import type { Source } from '../sources/source.js';
import type { KindAnnotations, ToolEnvironment, ToolKind, ToolOutcome } from './kind.js';
import { capResult } from './query.js';
import { classifyQueryError } from './query-errors.js';

/**
 * `kind: stream`: the tool's rows, read from the engine as a stream, three ways.
 *
 * - Pages (the default): one page per call and a signed cursor for the next. A page is the SQL
 *   resumed after the previous page's last key, so nothing is kept between pages and any replica
 *   with the same cursor secret serves the next one.
 * - Live batches, for a caller that asked for partial results: every row, in batches of
 *   `batchSize` rows or `maxLatencyMs` after the first row not yet sent, whichever comes first,
 *   each sent when the client has taken the last (a slow client pauses the read); the final
 *   result has the totals.
 * - Whole, as a pipeline step: every row up to `maxRows`, as one value for the next steps.
 */
export const streamKind: ToolKind<StreamToolSpec> = {
  annotations: () => READ_ONLY,
  outputSchema: (tool) => streamOutputSchema(rowSchemaOf(tool.columns)),
  async run(tool, args, environment) {
    const { context, cursors } = environment;
    const { [STREAM_CURSOR]: cursor, ...rest } = args;
    const state = typeof cursor === 'string' ? cursors.verify(cursor, tool, rest, context.principal) : { after: [], rows: 0 };
    const read: Read = { tool, args: rest, after: state.after, source: environment.sourceOf(tool.source), context };
    try {
      if (context.partial) return await liveBatches(read, context.partial, environment, tool.maxRows - state.rows);
      if (context.inPipeline) return await whole(read, environment, tool.maxRows - state.rows);
      return await onePage(read, state.rows, environment);
    } catch (error) {
      if (error instanceof ToolFailure) throw error;
      // A page runs under the source's time limit; a whole stream under the server's stream timeout.
      const whole = context.partial !== undefined || context.inPipeline === true;
      throw classifyQueryError(error, context.signal, whole ? { ...read.source.limits, maxExecutionTimeS: environment.streamTimeoutS } : read.source.limits);
    }
  },
};

const READ_ONLY: KindAnnotations = Object.freeze({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });

interface Read {
  tool: StreamToolSpec;
  /** The arguments without the cursor. */
  args: JsonObject;
  /** The key the read resumes after; empty from the start. */
  after: readonly unknown[];
  source: Source;
  context: CallContext;
}

/** One page and the cursor of the next; progress (rows read) while it is read, when asked for. */
async function onePage(read: Read, before: number, environment: ToolEnvironment): Promise<ToolOutcome> {
  const { tool, source, context } = read;
  const wanted = Math.max(0, Math.min(tool.batchSize, tool.maxRows - before, source.limits.maxRows));
  const rows: Row[] = [];
  // One row past the page says whether there are more.
  for await (const chunk of rowsOf(read, wanted + 1, source.limits.maxExecutionTimeS)) {
    rows.push(...chunk);
    context.progress?.(Math.min(rows.length, wanted), wanted, `${Math.min(rows.length, wanted)} rows of the page read`);
  }
  const { result } = capResult(rows, wanted, source.limits.maxBytes);
  const more = rows.length > result.rows.length;
  // A page that would split rows of one key ends before them, or the next page would skip the rest.
  const end = more ? pageEnd(tool.key, rows, result.rows.length) : result.rows.length;
  if (end === 0) {
    throw new ToolFailure(
      'QUERY.FAILED',
      `more than a page of rows (${result.rows.length}) share one value of the stream's key (${tool.key.map((k) => k.name).join(', ')}), so no page can end between them; the tool's ORDER BY must identify a row`,
    );
  }
  const page = result.rows.slice(0, end);
  const total = before + page.length;
  const truncated = more && total >= tool.maxRows;
  const last = page.at(-1);
  const next =
    more && !truncated && last !== undefined
      ? environment.cursors.sign(tool, read.args, context.principal, { after: keyOf(tool.key, last), rows: total })
      : null;
  const structured = { rows: page, row_count: page.length, next_cursor: next, truncated };
  return { structured, text: JSON.stringify(structured), logFields: { rows: page.length, rows_before: before, more } };
}

/**
 * Every row as partial results, batch by batch. A batch goes at `batchSize` rows, or
 * `maxLatencyMs` after its first row, whichever comes first; the read waits while the client
 * takes a batch, so the server holds at most about a batch and the engine's next blocks.
 */
async function liveBatches(read: Read, partial: NonNullable<CallContext['partial']>, environment: ToolEnvironment, remaining: number): Promise<ToolOutcome> {
  const { tool, context } = read;
  const open = environment.streams.begin();
  let batch: Row[] = [];
  let sent = 0;
  let batches = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  const send = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    sending = sending.then(async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      // What the batch holds, estimated from its first row: serializing it twice to count would cost as much as sending it.
      open.bufferedBytes = rows.length * (JSON.stringify(rows[0]).length + 1);
      open.paused = true;
      await partial({ rows, row_count: rows.length });
      open.paused = false;
      open.bufferedBytes = 0;
      sent += rows.length;
      batches++;
      context.progress?.(sent, Math.min(tool.maxRows, sent + remaining), `${sent} rows sent`);
    });
    return sending;
  };
  let truncated = false;
  try {
    outer: for await (const chunk of rowsOf(read, remaining + 1, environment.streamTimeoutS)) {
      for (const row of chunk) {
        if (sent + batch.length >= remaining) {
          truncated = true;
          break outer;
        }
        batch.push(row);
        if (batch.length === 1 && !timer) {
          timer = setTimeout(() => void send().catch(() => undefined), tool.maxLatencyMs);
        }
        if (batch.length >= tool.batchSize) await send();
      }
    }
    await send();
  } finally {
    if (timer) clearTimeout(timer);
    open.close();
  }
  const structured = { rows: [], row_count: sent, next_cursor: null, truncated };
  return {
    structured,
    text: `${sent} rows were sent as ${batches} partial results${truncated ? `; the stream stopped at its limit of ${tool.maxRows} rows` : ''}. ${JSON.stringify(structured)}`,
    logFields: { rows: sent, batches, truncated },
  };
}

/** Every row up to the stream's limit, as one value (a pipeline step). */
async function whole(read: Read, environment: ToolEnvironment, remaining: number): Promise<ToolOutcome> {
  const rows: Row[] = [];
  for await (const chunk of rowsOf(read, remaining + 1, environment.streamTimeoutS)) rows.push(...chunk);
  const truncated = rows.length > remaining;
  if (truncated) rows.length = remaining;
  const structured = { rows, row_count: rows.length, next_cursor: null, truncated };
  return { structured, text: JSON.stringify(structured), logFields: { rows: rows.length, truncated } };
}

/** The rows of the read, up to `limit`, block by block; leaving the loop stops the query. */
function rowsOf(read: Read, limit: number, timeoutS: number): AsyncIterable<Row[]> {
  const { tool, args, after, source, context } = read;
  const params: Record<string, unknown> = {
    ...(tool.bind?.(args as never) ?? {}),
    [PAGE_LIMIT_PARAM]: limit,
    ...(after.length > 0 ? afterParams(tool.key, after) : {}),
  };
  return source.stream({
    sql: sqlFor(tool, args, after.length > 0),
    params,
    queryId: context.requestId,
    caller: context.principal.id,
    signal: context.signal,
    timeoutS,
  });
}

/**
 * The SQL of a read: the tool's (with `format()` over an empty list replaced by an empty table
 * of its structure), limited, and resumed after a key when there is one.
 */
function sqlFor(tool: StreamToolSpec, args: JsonObject, after: boolean): string {
  const empties = Object.entries(tool.emptyInputs ?? {}).flatMap(([param, empty]) => (Array.isArray(args[param]) && args[param].length === 0 ? [empty] : []));
  const sql = empties.length === 0 ? tool.sql : withEmptyInputs(tool.sql, empties);
  return after ? afterPageSql(sql, tool.key) : firstPageSql(sql);
}
