import { rowSchemaOf } from '../../../runtime/contract/clickhouse-json.js';
import { QUERY_OUTPUT_SCHEMA, queryOutputSchema } from '../../../runtime/contract/query-result.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { QueryToolSection } from '../../validate/pipeline-file.js';
import type { ColumnIR, QueryToolIR } from '../ir.js';
import { inputSchemaOf } from '../params.js';
import { analyzeBoundSql } from './bound-sql.js';
import { placeTool } from './placement.js';
import type { ToolScope } from './scope.js';

/** `kind: query`: one declared SELECT, its params bound server-side. */
export async function analyzeQueryTool(scope: ToolScope, name: string, section: QueryToolSection): Promise<QueryToolIR | undefined> {
  const at: DocPath = ['tools', name];
  const identifier = scope.identifiers.allocate(name);
  const placement = placeTool(scope, name, section);
  const bound = await analyzeBoundSql(scope, at, section, placement !== undefined);
  if (!placement || !bound) return undefined;
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
    at,
  };
}

/** A query tool once the catalog knows its columns: its rows are typed in its output schema. */
export function typedQueryTool(tool: QueryToolIR, columns: ColumnIR[]): QueryToolIR {
  return { ...tool, columns, outputSchema: queryOutputSchema(rowSchemaOf(columns)) };
}
