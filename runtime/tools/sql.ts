import type { Row } from '../contract/query-result.js';
import { SQL_OUTPUT_SCHEMA } from '../contract/sql-tool.js';
import type { SqlToolSpec } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';
import { SqlGuard } from '../sql-guard/guard.js';
import type { KindAnnotations, ToolKind } from './kind.js';
import { capResult } from './query.js';
import { classifyQueryError } from './query-errors.js';

/**
 * `kind: sql`: runs one SELECT written by the agent. The SQL guard checks the text first
 * (runtime/sql-guard/check.ts: one SELECT, only the tool's tables, no table function outside a
 * small allow-list, no SETTINGS, FORMAT or INTO OUTFILE) and returns the canonical text the
 * checks ran on; that text, never the caller's, runs under readonly=1 with the tool's limits. A
 * refusal is a tool error, `SQL.REFUSED`, saying what is wrong.
 */
export const sqlKind: ToolKind<SqlToolSpec> = {
  // Read-only by construction (readonly=1 in the engine too), but what it reads depends on the SQL
  // sent: the same call gives the same rows, which is all idempotentHint says.
  annotations: () => READ_ONLY,
  outputSchema: () => SQL_OUTPUT_SCHEMA,
  async run(tool, args, { context, sourceOf }) {
    const text = args.sql as string;
    // The input schema caps the length already; the guard must hold on its own as well.
    if (text.length > tool.maxSqlLength)
      throw new ToolFailure('SQL.REFUSED', `the SQL is ${text.length} characters long; this tool takes at most ${tool.maxSqlLength}`);
    const verdict = await SqlGuard.of(tool.catalog).check(text, { tables: tool.tables, database: tool.catalog.database });
    if (!verdict.ok) throw new ToolFailure('SQL.REFUSED', `the SQL was refused: ${verdict.message}`);
    const source = sourceOf(tool.source);
    let rows: Row[];
    try {
      rows = await source.selectWritten(
        { sql: verdict.sql, params: {}, queryId: context.requestId, caller: context.principal.id, signal: context.signal },
        tool.limits,
      );
    } catch (error) {
      if (error instanceof ToolFailure) throw error;
      throw classifyQueryError(error, context.signal, tool.limits);
    }
    const capped = capResult(rows, tool.limits.maxRows, tool.limits.maxBytes);
    const structured = { ...capped.result, ...(verdict.columns ? { columns: verdict.columns } : {}) };
    return {
      structured,
      text: verdict.columns ? JSON.stringify(structured) : capped.text,
      logFields: { rows: capped.result.row_count, truncated: capped.result.truncated },
    };
  },
};

const READ_ONLY: KindAnnotations = Object.freeze({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
