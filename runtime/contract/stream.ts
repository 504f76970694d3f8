import { toEpochSeconds } from './epoch-seconds.js';
import { quoteIdentifier } from './sql-text.js';
import type { JsonObject, StreamKeyColumn } from './spec.js';

/**
 * The shape of streams, shared by the compiler (which proves a stream's key and writes the SQL of
 * its pages) and the runtime (which serves pages and live batches).
 */

/** The argument that asks for the page after another: the `next_cursor` of the previous page. */
export const STREAM_CURSOR = 'cursor';

/** Defaults of `stream:` in a tool. */
export const STREAM_DEFAULTS = Object.freeze({ batchSize: 1000, maxLatencyMs: 200, maxRows: 1_000_000 });

/** Placeholders the page SQL adds to the tool's own; tool params cannot start with `mcpc_`. */
export const PAGE_LIMIT_PARAM = 'mcpc_limit';
export const afterParam = (index: number): string => `mcpc_after_${index}`;

/** The SQL of the first page: the tool's SQL, at most `{mcpc_limit}` rows. */
export function firstPageSql(sql: string): string {
  return `${sql}\nLIMIT {${PAGE_LIMIT_PARAM}:UInt64}`;
}

/**
 * The SQL of a page after a cursor: the tool's SQL resumed after the cursor's key, as a condition
 * ClickHouse pushes into the query and matches against the table's primary key
 * (`k1 > v1 OR (k1 = v1 AND k2 > v2)`; a tuple comparison would read the whole table).
 */
export function afterPageSql(sql: string, key: readonly StreamKeyColumn[]): string {
  const column = (k: StreamKeyColumn) => quoteIdentifier(k.name);
  const value = (index: number) => `{${afterParam(index)}:${key[index]!.type}}`;
  const alternatives = key.map((k, i) => {
    const equal = key.slice(0, i).map((e, j) => `${column(e)} = ${value(j)}`);
    const beyond = `${column(k)} ${k.descending ? '<' : '>'} ${value(i)}`;
    return equal.length === 0 ? beyond : `(${[...equal, beyond].join(' AND ')})`;
  });
  const order = key.map((k) => `${column(k)}${k.descending ? ' DESC' : ' ASC'}`).join(', ');
  const indented = sql.replace(/\n/g, '\n    ');
  return `SELECT *\nFROM\n(\n    ${indented}\n)\nWHERE ${alternatives.join(' OR ')}\nORDER BY ${order}\nLIMIT {${PAGE_LIMIT_PARAM}:UInt64}`;
}

/** The key of a row: its values of the key columns, as the tool returned them. */
export function keyOf(key: readonly StreamKeyColumn[], row: Readonly<Record<string, unknown>>): unknown[] {
  return key.map((k) => row[k.name]);
}

/**
 * Where a page may end so that resuming strictly after its last key loses no row: before a run of
 * rows with equal keys that a cut at `count` would split (`rows[count]` is the first row left
 * out). 0 when every row of the page has the key of the first row left out.
 */
export function pageEnd(key: readonly StreamKeyColumn[], rows: ReadonlyArray<Readonly<Record<string, unknown>>>, count: number): number {
  const next = rows[count];
  if (next === undefined) return count;
  const value = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v);
  const sameKey = (row: Readonly<Record<string, unknown>>) => key.every((k) => value(row[k.name]) === value(next[k.name]));
  let end = count;
  while (end > 0 && sameKey(rows[end - 1]!)) end--;
  return end;
}

/** The parameters of `afterPageSql` for a cursor's key: each value bound back as its column's type (DateTime as epoch seconds). */
export function afterParams(key: readonly StreamKeyColumn[], after: readonly unknown[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  key.forEach((column, index) => {
    const value = after[index];
    params[afterParam(index)] = column.encoding === 'epoch-seconds' && typeof value === 'string' ? toEpochSeconds(value) : value;
  });
  return params;
}

/** What a stream tool returns: one page of rows, and the cursor of the next when there is one. */
export function streamOutputSchema(rowSchema: JsonObject = { type: 'object' }): JsonObject {
  return {
    type: 'object',
    properties: {
      rows: { type: 'array', items: rowSchema },
      row_count: { type: 'integer', minimum: 0 },
      next_cursor: { type: ['string', 'null'], description: 'Pass it as cursor, with the same arguments, for the rows after these; null at the end' },
      truncated: { type: 'boolean', description: "True when the stream stopped at the tool's max_rows" },
    },
    required: ['rows', 'row_count', 'next_cursor', 'truncated'],
    additionalProperties: false,
  };
}

/** The JSON Schema of the cursor argument. */
export const STREAM_CURSOR_SCHEMA: JsonObject = Object.freeze({
  type: 'string',
  minLength: 1,
  maxLength: 4096,
  description: 'The next_cursor of the previous page, to read the rows after it (send the same other arguments)',
});
