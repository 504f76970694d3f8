import type { JsonObject } from './spec.js';

/** One row as ClickHouse returns it in JSON (64-bit integers quoted). */
export type Row = Record<string, unknown>;

/** What a query tool returns as `structuredContent`, and as the same JSON in its text content. */
export interface QueryResult {
  rows: Row[];
  row_count: number;
  /** True when the runtime cut the rows at the source's row or byte limit. */
  truncated: boolean;
  /**
   * Only for a tool whose SQL ends in a usable ORDER BY: after a cut, the cursor of the rows
   * after these (a stream's cursor, runtime/contract/stream.ts); null when nothing was cut.
   */
  next_cursor?: string | null;
}

/**
 * The JSON Schema of `QueryResult`: the output schema of a query tool, its rows typed by the
 * schema of one row when the build-time catalog knows its columns.
 */
export function queryOutputSchema(rowSchema: JsonObject = { type: 'object' }, options: { resumable?: boolean } = {}): JsonObject {
  return {
    type: 'object',
    properties: {
      rows: { type: 'array', items: rowSchema },
      row_count: { type: 'integer', minimum: 0 },
      truncated: { type: 'boolean' },
      ...(options.resumable
        ? { next_cursor: { type: ['string', 'null'], description: 'When truncated: pass it as cursor, with the same arguments, for the rows after these' } }
        : {}),
    },
    required: ['rows', 'row_count', 'truncated', ...(options.resumable ? ['next_cursor'] : [])],
    additionalProperties: false,
  };
}

/** The output schema of a query tool whose columns are not known at build time. */
export const QUERY_OUTPUT_SCHEMA: JsonObject = Object.freeze(queryOutputSchema());

/** The text content of a query result: its JSON, keys in the schema's order. */
export function renderQueryResult(rows: Row[], truncated: boolean, nextCursor?: string | null): string {
  return JSON.stringify({ rows, row_count: rows.length, truncated, ...(nextCursor === undefined ? {} : { next_cursor: nextCursor }) } satisfies QueryResult);
}
