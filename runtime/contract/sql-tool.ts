import type { JsonObject } from './spec.js';

/** The longest SQL a call of a `kind: sql` tool may send, unless the tool sets `max_sql_length`. */
export const DEFAULT_MAX_SQL_LENGTH = 10_000;

/** The input of a `kind: sql` tool: one SQL text, at most `maxLength` characters. */
export function sqlInputSchema(maxLength: number): JsonObject {
  return {
    type: 'object',
    properties: {
      sql: {
        type: 'string',
        minLength: 1,
        maxLength,
        description: 'One ClickHouse SELECT (or WITH ... SELECT) over the tables this tool lists; no SETTINGS, FORMAT or INTO OUTFILE',
      },
    },
    required: ['sql'],
    additionalProperties: false,
  };
}

/** What a `kind: sql` tool returns: a query's result, with the columns the engine resolved (absent for a UNION). */
export const SQL_OUTPUT_SCHEMA: JsonObject = Object.freeze({
  type: 'object',
  properties: {
    rows: { type: 'array', items: { type: 'object' } },
    row_count: { type: 'integer', minimum: 0 },
    truncated: { type: 'boolean' },
    columns: {
      type: 'array',
      description: 'The result columns and their ClickHouse types',
      items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } }, required: ['name', 'type'], additionalProperties: false },
    },
  },
  required: ['rows', 'row_count', 'truncated'],
  additionalProperties: false,
});

/**
 * A `kind: sql` tool's description as the model reads it: the author's words, then what it may
 * write and the tables and columns it may use (from the build-time catalog), so the SQL it
 * writes names real tables and columns.
 */
export function sqlToolDescription(
  description: string,
  tables: ReadonlyArray<{ name: string; columns: ReadonlyArray<{ name: string; type: string }> }>,
  limits: { maxRows: number },
): string {
  const lines = tables.map((t) => `- ${t.name}(${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  return [
    description,
    '',
    `Send one ClickHouse SELECT (or WITH ... SELECT) as \`sql\`. It may read only these tables; at most ${limits.maxRows} rows are returned:`,
    ...lines,
    'Not allowed: other tables, system tables, table functions other than numbers(), generate_series(), values() and null(), SETTINGS, FORMAT, INTO OUTFILE, and more than one statement.',
  ].join('\n');
}
