import { IDEMPOTENCY_KEY, INSERT_OUTPUT_SCHEMA, type InsertResult } from '../contract/insert.js';
import type { InsertToolSpec } from '../contract/spec.js';
import type { Row } from '../contract/query-result.js';
import { ToolFailure } from '../errors.js';
import type { KindAnnotations, ToolKind } from './kind.js';
import { classifyQueryError } from './query-errors.js';

/**
 * `kind: insert`: writes the validated rows (every value checked against its column's type by the
 * input schema) into the tool's one table, in one INSERT on the source's write connection. The
 * idempotency key makes a retry harmless twice over: the server replays the first outcome
 * (runtime/call/idempotency.ts), and ClickHouse drops a replayed block by its token.
 */
export const insertKind: ToolKind<InsertToolSpec> = {
  // Appends rows: a write, but it destroys nothing, and with its key a repeated call writes once.
  annotations: () => APPEND,
  outputSchema: () => INSERT_OUTPUT_SCHEMA,
  async run(tool, args, { context, sourceOf, idempotency }) {
    const key = args[IDEMPOTENCY_KEY] as string;
    const rows = args.rows as Row[];
    const source = sourceOf(tool.source);
    return idempotency.run({ principal: context.principal, tool: tool.name, key, args }, context, async (token) => {
      try {
        // No rows is no write (an empty summary published by a pipeline): the call still succeeds.
        if (rows.length > 0)
          await source.insert({ table: tool.table, rows, token, queryId: context.requestId, caller: context.principal.id, signal: context.signal });
      } catch (error) {
        if (error instanceof ToolFailure) throw error;
        throw classifyQueryError(error, context.signal, source.limits);
      }
      const result: InsertResult = {
        table: tool.table.database === undefined ? tool.table.name : `${tool.table.database}.${tool.table.name}`,
        rows_written: rows.length,
        idempotency_key: key,
      };
      return { structured: { ...result }, text: JSON.stringify(result), logFields: { rows: rows.length } };
    });
  },
};

const APPEND: KindAnnotations = Object.freeze({ readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false });
