import { rowSchemaOf } from '../contract/clickhouse-json.js';
import { QUERY_OUTPUT_SCHEMA, queryOutputSchema, renderQueryResult, type QueryResult, type Row } from '../contract/query-result.js';
import { withEmptyInputs } from '../contract/empty-inputs.js';
import type { JsonObject, QueryToolSpec } from '../contract/spec.js';
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
  outputSchema: (tool) => (tool.columns ? queryOutputSchema(rowSchemaOf(tool.columns)) : QUERY_OUTPUT_SCHEMA),
  async run(tool, args, { context, sourceOf }) {
    const source = sourceOf(tool.source);
    let rows: Row[];
    try {
      rows = await source.select({ sql: sqlFor(tool, args), params: tool.bind?.(args) ?? {}, queryId: context.requestId, signal: context.signal });
    } catch (error) {
      if (error instanceof ToolFailure) throw error;
      throw classifyQueryError(error, context.signal, source.limits);
    }
    const { result, text } = capResult(rows, source.limits.maxRows, source.limits.maxBytes);
    return { structured: { ...result }, text, logFields: { rows: result.row_count, truncated: result.truncated } };
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
