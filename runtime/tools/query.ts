import { rowSchemaOf } from '../contract/clickhouse-json.js';
import { QUERY_OUTPUT_SCHEMA, queryOutputSchema, renderQueryResult, type QueryResult, type Row } from '../contract/query-result.js';
import { withEmptyInputs } from '../contract/empty-inputs.js';
import type { JsonObject, QueryToolSpec } from '../contract/spec.js';
import { afterPageSql, afterParams, keyOf, PAGE_LIMIT_PARAM, pageEnd, STREAM_CURSOR } from '../contract/stream.js';
import { ToolFailure } from '../errors.js';
import type { KindAnnotations, ToolKind, ToolOutcome } from './kind.js';
import { classifyQueryError } from './query-errors.js';

/**
 * `kind: query`: runs the tool's declared SQL with its arguments bound server-side, under the
 * source's pinned read settings, and caps the result at the source's row and byte limits
 * (saying `truncated` when it cut). Arguments are already validated against the input schema.
 */
export const queryKind: ToolKind<QueryToolSpec> = {
  // A declared SELECT under read-only settings: it reads, never writes, and only touches its source.
  annotations: () => READ_ONLY,
  outputSchema: (tool) => (tool.columns ? queryOutputSchema(rowSchemaOf(tool.columns), { resumable: tool.key !== undefined }) : QUERY_OUTPUT_SCHEMA),
  async run(tool, toolArgs, { context, sourceOf, cursors }) {
    const source = sourceOf(tool.source);
    // A resumable tool takes the cursor of a cut result: the same SQL, after the cursor's key.
    const { [STREAM_CURSOR]: cursor, ...args } = toolArgs;
    const after = tool.key && typeof cursor === 'string' ? cursors.verify(cursor, tool, args, context.principal) : undefined;
    const { maxRows, maxBytes } = source.limits;
    let rows: Row[];
    try {
      const params = tool.bind?.(args) ?? {};
      rows = await source.select(
        after && tool.key
          ? {
              sql: afterPageSql(sqlFor(tool, args), tool.key),
              params: { ...params, ...afterParams(tool.key, after.after), [PAGE_LIMIT_PARAM]: maxRows + 1 },
              queryId: context.requestId,
              caller: context.principal.id,
              signal: context.signal,
            }
          : { sql: sqlFor(tool, args), params, queryId: context.requestId, caller: context.principal.id, signal: context.signal },
      );
    } catch (error) {
      if (error instanceof ToolFailure) throw error;
      throw classifyQueryError(error, context.signal, source.limits);
    }
    const capped = capResult(rows, maxRows, maxBytes);
    if (!tool.key)
      return { structured: { ...capped.result }, text: capped.text, logFields: { rows: capped.result.row_count, truncated: capped.result.truncated } };
    // A cut that would split rows of one key moves before them, or resuming after the key would skip the rest.
    const end = capped.result.truncated ? pageEnd(tool.key, rows, capped.result.row_count) : capped.result.row_count;
    const result = end > 0 && end < capped.result.row_count ? { ...capped.result, rows: capped.result.rows.slice(0, end), row_count: end } : capped.result;
    const last = end > 0 ? result.rows.at(-1) : undefined;
    const before = after?.rows ?? 0;
    const nextCursor =
      result.truncated && last !== undefined
        ? cursors.sign(tool, args, context.principal, { after: keyOf(tool.key, last), rows: before + result.row_count })
        : null;
    return {
      structured: { ...result, next_cursor: nextCursor },
      text: renderQueryResult(result.rows, result.truncated, nextCursor),
      logFields: { rows: result.row_count, truncated: result.truncated, ...(after ? { rows_before: before } : {}) },
    };
  },
};

const READ_ONLY: KindAnnotations = Object.freeze({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });

/** The tool's SQL, with `format()` over an empty list replaced by an empty table of its structure. */
function sqlFor(tool: QueryToolSpec, args: JsonObject): string {
  if (!tool.emptyInputs) return tool.sql;
  const empties = Object.entries(tool.emptyInputs).flatMap(([param, empty]) => (Array.isArray(args[param]) && args[param].length === 0 ? [empty] : []));
  return empties.length === 0 ? tool.sql : withEmptyInputs(tool.sql, empties);
}

/**
 * Keeps at most `maxRows` rows and at most `maxBytes` of JSON. The engine stops at a block
 * boundary past its own limit, so it may return more rows than the cap; the cut happens here.
 */
export function capResult(rows: Row[], maxRows: number, maxBytes: number): { result: QueryResult; text: ToolOutcome['text'] } {
  let truncated = rows.length > maxRows;
  let kept = truncated ? rows.slice(0, maxRows) : rows;
  let text = renderQueryResult(kept, truncated);
  if (Buffer.byteLength(text) > maxBytes) {
    truncated = true;
    // Envelope plus each row's JSON and its comma; add rows while they fit.
    let size = Buffer.byteLength(renderQueryResult([], true));
    let count = 0;
    for (const row of kept) {
      const rowSize = Buffer.byteLength(JSON.stringify(row)) + (count > 0 ? 1 : 0) + String(count + 1).length - String(count).length;
      if (size + rowSize > maxBytes) break;
      size += rowSize;
      count++;
    }
    kept = kept.slice(0, count);
    text = renderQueryResult(kept, true);
  }
  return { result: { rows: kept, row_count: kept.length, truncated }, text };
}
