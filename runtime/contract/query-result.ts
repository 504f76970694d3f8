import type { JsonObject } from './spec.js';

/** One row as ClickHouse returns it in JSON (64-bit integers quoted). */
export type Row = Record<string, unknown>;

/** What a query tool returns as `structuredContent`, and as the same JSON in its text content. */
export interface QueryResult {
  rows: Row[];
  row_count: number;
  /** True when the runtime cut the rows at the source's row or byte limit. */
  truncated: boolean;
}

/**
 * The JSON Schema of `QueryResult`: the output schema of a query tool, its rows typed by the
 * schema of one row when the build-time catalog knows its columns.
 */
export function queryOutputSchema(rowSchema: JsonObject = { type: 'object' }): JsonObject {
  return {
    type: 'object',
    properties: {
      rows: { type: 'array', items: rowSchema },
      row_count: { type: 'integer', minimum: 0 },
      truncated: { type: 'boolean' },
    },
    required: ['rows', 'row_count', 'truncated'],
    additionalProperties: false,
  };
}

/** The output schema of a query tool whose columns are not known at build time. */
export const QUERY_OUTPUT_SCHEMA: JsonObject = Object.freeze(queryOutputSchema());

/** The text content of a query result: its JSON, keys in the schema's order. */
export function renderQueryResult(rows: Row[], truncated: boolean): string {
  return JSON.stringify({ rows, row_count: rows.length, truncated } satisfies QueryResult);
}
