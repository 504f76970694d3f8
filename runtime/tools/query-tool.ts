import type { ToolSpec } from '../contract.js';
import { ToolFailure } from '../errors.js';
import type { Row, Source } from '../sources/source.js';
import { classifyQueryError } from './query-errors.js';

interface QueryResult {
  rows: Row[];
  row_count: number;
  truncated: boolean;
}

export interface QueryOutcome {
  result: QueryResult;
  /** The result as JSON text, computed once for the text content block. */
  text: string;
}

/**
 * Runs a query tool's canonical SQL with its arguments bound server-side, under the source's
 * pinned read settings, and caps the result at the source's row and byte limits (saying
 * `truncated` when it cut). Arguments are already validated against the input schema.
 */
export async function runQueryTool(tool: ToolSpec, source: Source, args: Record<string, unknown>, queryId: string, signal: AbortSignal): Promise<QueryOutcome> {
  let rows: Row[];
  try {
    rows = await source.select({ sql: tool.sql, params: tool.bind(args), queryId, signal });
  } catch (error) {
    if (error instanceof ToolFailure) throw error;
    throw classifyQueryError(error, signal, source.limits);
  }
  return capResult(rows, source.limits.maxRows, source.limits.maxBytes);
}

/**
 * Keeps at most `maxRows` rows and at most `maxBytes` of JSON. The engine stops at a block
 * boundary past its own limit, so it may return more rows than the cap; the cut happens here.
 */
export function capResult(rows: Row[], maxRows: number, maxBytes: number): QueryOutcome {
  let truncated = rows.length > maxRows;
  let kept = truncated ? rows.slice(0, maxRows) : rows;
  let text = render(kept, truncated);
  if (Buffer.byteLength(text) > maxBytes) {
    truncated = true;
    // Envelope plus each row's JSON and its comma; add rows while they fit.
    let size = Buffer.byteLength(render([], true));
    let count = 0;
    for (const row of kept) {
      const rowSize = Buffer.byteLength(JSON.stringify(row)) + (count > 0 ? 1 : 0) + String(count + 1).length - String(count).length;
      if (size + rowSize > maxBytes) break;
      size += rowSize;
      count++;
    }
    kept = kept.slice(0, count);
    text = render(kept, true);
  }
  return { result: { rows: kept, row_count: kept.length, truncated }, text };
}

function render(rows: Row[], truncated: boolean): string {
  return JSON.stringify({ rows, row_count: rows.length, truncated });
}
