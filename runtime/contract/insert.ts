import type { JsonObject } from './spec.js';

/**
 * The shape of writes, shared by the compiler (which derives an insert tool's input schema and a
 * writing pipeline's extra param) and the runtime (which serves and checks them).
 */

/** The argument every write takes: the caller's name for this write, reused when it retries. */
export const IDEMPOTENCY_KEY = 'idempotency_key';

/** The JSON Schema of `idempotency_key`: what the model reads about it, and its bounds. */
export const IDEMPOTENCY_KEY_SCHEMA: JsonObject = Object.freeze({
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description:
    'A unique name for this write, such as a UUID. Send a new key for each new write, and the same key (with the same arguments) when retrying one: a repeated write is not done twice.',
});

/** What every write tool's description ends with, so a model knows to keep its key. */
const IDEMPOTENCY_NOTE = 'Takes an idempotency_key: reuse it, with the same arguments, when retrying, and the write happens once.';

/** The description of a tool that writes: the author's, then how to use its key. */
export function writeDescription(description: string): string {
  const trimmed = description.trimEnd();
  return `${trimmed}${/[.!?]$/.test(trimmed) ? '' : '.'} ${IDEMPOTENCY_NOTE}`;
}

/** Rows one insert call takes when its tool does not say (`max_rows`). */
export const DEFAULT_INSERT_MAX_ROWS = 10_000;

/** What an insert tool returns as `structuredContent`. */
export interface InsertResult {
  /** The table written, `database.table`. */
  table: string;
  rows_written: number;
  idempotency_key: string;
}

/** The output schema of every insert tool. */
export const INSERT_OUTPUT_SCHEMA: JsonObject = Object.freeze({
  type: 'object',
  properties: {
    table: { type: 'string' },
    rows_written: { type: 'integer', minimum: 0 },
    idempotency_key: { type: 'string' },
  },
  required: ['table', 'rows_written', 'idempotency_key'],
  additionalProperties: false,
});

/** The input schema of an insert tool whose rows have this schema. */
export function insertInputSchema(rowSchema: JsonObject, maxRows: number): JsonObject {
  return {
    type: 'object',
    properties: {
      rows: { type: 'array', items: rowSchema, maxItems: maxRows, description: `The rows to insert, at most ${maxRows}` },
      [IDEMPOTENCY_KEY]: IDEMPOTENCY_KEY_SCHEMA,
    },
    required: ['rows', IDEMPOTENCY_KEY],
    additionalProperties: false,
  };
}
