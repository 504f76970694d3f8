import { DEFAULT_MAX_SQL_LENGTH, SQL_OUTPUT_SCHEMA, sqlInputSchema, sqlToolDescription } from '../../../runtime/contract/sql-tool.js';
import type { LimitsSpec, SqlCatalogSpec } from '../../../runtime/contract/spec.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { Reporter } from '../../diagnostics/reporter.js';
import type { SqlToolSection } from '../../validate/pipeline-file.js';
import type { CatalogTable } from '../catalog/engine.js';
import type { ResourceIR, SqlToolIR } from '../ir.js';
import { tsTypeOf } from '../params.js';
import { placeTool } from './placement.js';
import type { ToolScope } from './scope.js';

/** The tool's limit keys in the pipeline, and in the runtime's terms. */
const LIMIT_KEYS = [
  ['max_rows', 'maxRows'],
  ['max_bytes', 'maxBytes'],
  ['max_execution_time_s', 'maxExecutionTimeS'],
  ['max_memory_bytes', 'maxMemoryBytes'],
] as const;

/**
 * `kind: sql`: a SELECT the agent writes, over the tables of its `reads` only. Its input is the
 * SQL text (at most `max_sql_length` characters); its limits are its source's, tightened where it
 * sets its own. The catalog then gives it its tables and the DDL its guard checks against
 * (`typedSqlTool`); until then it has neither.
 */
export async function analyzeSqlTool(scope: ToolScope, name: string, section: SqlToolSection): Promise<SqlToolIR | undefined> {
  const { reporter } = scope;
  const at: DocPath = ['tools', name];
  const identifier = scope.identifiers.allocate(name);
  const placement = placeTool(scope, name, section);
  if (!placement) return undefined;
  const source = scope.sources.find((s) => s.name === placement.source);
  if (!source) return undefined;
  const limits: { -readonly [K in keyof LimitsSpec]: LimitsSpec[K] } = { ...source.limits };
  let valid = true;
  for (const [key, field] of LIMIT_KEYS) {
    const own = section.limits?.[key];
    if (own === undefined) continue;
    if (own > source.limits[field]) {
      reporter.error(
        'MCPC_SQL_TOOL_LIMIT',
        [...at, 'limits', key],
        `sql tool '${name}' sets ${key}: ${own}, looser than its source '${source.name}' (${source.limits[field]}); a tool may only tighten its source's limits`,
      );
      valid = false;
    } else limits[field] = own;
  }
  if (!valid) return undefined;
  const maxSqlLength = section.max_sql_length ?? DEFAULT_MAX_SQL_LENGTH;
  const inputSchema = sqlInputSchema(maxSqlLength);
  return {
    kind: 'sql',
    name,
    identifier,
    ...(section.title === undefined ? {} : { title: section.title }),
    description: section.description,
    ...placement,
    params: [
      { name: 'sql', schema: (inputSchema.properties as Record<string, Record<string, unknown>>).sql!, required: true, tsType: tsTypeOf({ type: 'string' }) },
    ],
    inputSchema,
    outputSchema: SQL_OUTPUT_SCHEMA,
    maxSqlLength,
    limits,
    at,
  };
}

/**
 * The sql tool once the catalog knows its source's tables: the tables it may read (every
 * resource of its reads must be a table the catalog has, or the guard could not check SQL
 * against it), its description extended with them and their columns, and the DDL its guard loads.
 */
export function typedSqlTool(
  reporter: Reporter,
  tool: SqlToolIR,
  catalog: { database: string; ddl: string[]; tableOf: (resource: ResourceIR) => CatalogTable | undefined; resources: ResourceIR[] },
): SqlToolIR | undefined {
  const tables: CatalogTable[] = [];
  for (const [index, name] of tool.reads.entries()) {
    const resource = catalog.resources.find((r) => r.name === name)!;
    const table = catalog.tableOf(resource);
    if (!table) {
      reporter.error(
        'MCPC_SQL_TOOL_READS',
        [...tool.at, 'reads', index],
        `sql tool '${tool.name}' reads resource '${name}', table ${resource.database ?? catalog.database}.${resource.table}, which the catalog of source '${tool.source}' does not have, so no SQL over it could be checked`,
      );
      return undefined;
    }
    tables.push(table);
  }
  const shown = tables.map((t) => ({ name: t.database === catalog.database ? t.name : `${t.database}.${t.name}`, columns: t.columns }));
  const guard: SqlCatalogSpec = { database: catalog.database, ddl: catalog.ddl };
  return {
    ...tool,
    description: sqlToolDescription(tool.description, shown, tool.limits),
    tables: tables.map((t) => `${t.database}.${t.name}`),
    catalog: guard,
  };
}
