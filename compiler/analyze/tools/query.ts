import { rowSchemaOf } from '../../../runtime/contract/clickhouse-json.js';
import { QUERY_OUTPUT_SCHEMA, queryOutputSchema } from '../../../runtime/contract/query-result.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { QueryToolSection } from '../../validate/pipeline-file.js';
import { STREAM_CURSOR, STREAM_CURSOR_SCHEMA } from '../../../runtime/contract/stream.js';
import type { ColumnIR, QueryToolIR } from '../ir.js';
import { inputSchemaOf } from '../params.js';
import { analyzeBoundSql } from './bound-sql.js';
import { placeTool } from './placement.js';
import type { ToolScope } from './scope.js';
import { resolveKey } from './stream.js';
import { orderByKey } from './stream-key.js';

/** `kind: query`: one declared SELECT, its params bound server-side. */
export async function analyzeQueryTool(scope: ToolScope, name: string, section: QueryToolSection): Promise<QueryToolIR | undefined> {
  const at: DocPath = ['tools', name];
  const identifier = scope.identifiers.allocate(name);
  const placement = placeTool(scope, name, section);
  const bound = await analyzeBoundSql(scope, at, section, placement !== undefined);
  if (!placement || !bound) return undefined;
  // A result cut at the source's limits can be resumed when the SQL ends in a usable ORDER BY,
  // and no param takes the names the resumed SQL uses.
  const order = orderByKey(bound.sql);
  const resumable = !bound.params.some((p) => p.name === STREAM_CURSOR || p.name.startsWith('mcpc_'));
  return {
    kind: 'query',
    name,
    identifier,
    ...(section.title === undefined ? {} : { title: section.title }),
    description: section.description,
    ...placement,
    params: bound.params,
    inputSchema: inputSchemaOf(bound.params),
    outputSchema: QUERY_OUTPUT_SCHEMA,
    sql: bound.sql,
    bindings: bound.bindings,
    emptyInputs: bound.emptyInputs,
    ...(order.ok && resumable ? { order: order.columns } : {}),
    at,
  };
}

/**
 * A query tool once the catalog knows its columns: its rows are typed in its output schema, and
 * when its ORDER BY is a key of result columns, a cut result comes with a cursor to resume after.
 */
export function typedQueryTool(tool: QueryToolIR, columns: ColumnIR[]): QueryToolIR {
  const resolved = tool.order ? resolveKey(tool.order, columns) : undefined;
  if (!resolved || 'problem' in resolved) return { ...tool, columns, outputSchema: queryOutputSchema(rowSchemaOf(columns)) };
  const params = [...tool.params, { name: STREAM_CURSOR, schema: { ...STREAM_CURSOR_SCHEMA }, required: false, tsType: 'string' }];
  return {
    ...tool,
    columns,
    key: resolved.key,
    params,
    inputSchema: inputSchemaOf(params),
    outputSchema: queryOutputSchema(rowSchemaOf(columns), { resumable: true }),
  };
}
