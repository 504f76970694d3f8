import { rowSchemaOf } from '../contract/clickhouse-json.js';
import { withEmptyInputs } from '../contract/empty-inputs.js';
import type { Row } from '../contract/query-result.js';
import type { JsonObject, StreamKeyColumn, StreamToolSpec } from '../contract/spec.js';
import { afterPageSql, afterParam, firstPageSql, PAGE_LIMIT_PARAM, STREAM_CURSOR, streamOutputSchema } from '../contract/stream.js';
import { toEpochSeconds } from '../define.js';
import { ToolFailure } from '../errors.js';
import type { KindAnnotations, ToolKind } from './kind.js';
import { capResult } from './query.js';
import { classifyQueryError } from './query-errors.js';

/**
 * `kind: stream`: one page of the tool's rows per call, and a signed cursor for the next. A page is
 * the tool's SQL resumed after the previous page's last key, so the server keeps nothing between
 * pages and any replica with the same cursor secret serves the next one.
 */
export const streamKind: ToolKind<StreamToolSpec> = {
  annotations: () => READ_ONLY,
  outputSchema: (tool) => streamOutputSchema(rowSchemaOf(tool.columns)),
  async run(tool, args, { context, sourceOf, cursors }) {
    const { [STREAM_CURSOR]: cursor, ...rest } = args;
    const state = typeof cursor === 'string' ? cursors.verify(cursor, tool.name, rest, context.principal) : { after: [], rows: 0 };
    const source = sourceOf(tool.source);
    const remaining = tool.maxRows - state.rows;
    const wanted = Math.min(tool.batchSize, remaining, source.limits.maxRows);
    const params: Record<string, unknown> = { ...(tool.bind?.(rest as never) ?? {}), [PAGE_LIMIT_PARAM]: wanted + 1 };
    tool.key.forEach((column, index) => {
      if (state.after.length > 0) params[afterParam(index)] = keyParam(column, state.after[index]);
    });
    let rows: Row[];
    try {
      rows =
        wanted <= 0 ? [] : await source.select({ sql: sqlFor(tool, rest, state.after.length > 0), params, queryId: context.requestId, signal: context.signal });
    } catch (error) {
      if (error instanceof ToolFailure) throw error;
      throw classifyQueryError(error, context.signal, source.limits);
    }
    const { result } = capResult(rows, wanted, source.limits.maxBytes);
    const page = result.rows;
    // More rows exist when the engine found one past the page, or the page was cut at the byte cap.
    const more = rows.length > page.length;
    const read = state.rows + page.length;
    const truncated = more && read >= tool.maxRows;
    const last = page.at(-1);
    const next =
      more && !truncated && last !== undefined
        ? cursors.sign(tool.name, rest, context.principal, { after: tool.key.map((k) => last[k.name]), rows: read })
        : null;
    const structured = { rows: page, row_count: page.length, next_cursor: next, truncated };
    return { structured, text: JSON.stringify(structured), logFields: { rows: page.length, page_after: state.rows, more } };
  },
};

const READ_ONLY: KindAnnotations = Object.freeze({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });

/**
 * The SQL of this page: the tool's (with `format()` over an empty list replaced by an empty table
 * of its structure), limited, and resumed after the cursor's key when there is one.
 */
function sqlFor(tool: StreamToolSpec, args: JsonObject, after: boolean): string {
  const empties = Object.entries(tool.emptyInputs ?? {}).flatMap(([param, empty]) => (Array.isArray(args[param]) && args[param].length === 0 ? [empty] : []));
  const sql = empties.length === 0 ? tool.sql : withEmptyInputs(tool.sql, empties);
  return after ? afterPageSql(sql, tool.key) : firstPageSql(sql);
}

/** A key value as the tool returned it, bound back as its column's type (DateTime as epoch seconds). */
function keyParam(column: StreamKeyColumn, value: unknown): unknown {
  return column.encoding === 'epoch-seconds' && typeof value === 'string' ? toEpochSeconds(value) : value;
}
