import { tableRowInputSchemaOf, unmappedTypes } from '../../../runtime/contract/clickhouse-json.js';
import { DEFAULT_INSERT_MAX_ROWS, INSERT_OUTPUT_SCHEMA, insertInputSchema, writeDescription } from '../../../runtime/contract/insert.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { Reporter } from '../../diagnostics/reporter.js';
import type { InsertToolSection } from '../../validate/pipeline-file.js';
import { type CatalogTable, SYSTEM_DATABASES } from '../catalog/engine.js';
import type { InsertColumnIR, InsertToolIR, JsonSchema, ParamIR } from '../ir.js';
import { tsTypeOf } from '../params.js';
import { placeTool } from './placement.js';
import type { ToolScope } from './scope.js';

/**
 * `kind: insert`: rows into the table of the one resource it `writes`. Its rows are typed by the
 * build-time catalog (`typedInsertTool`); until then its input schema takes any objects.
 */
export async function analyzeInsertTool(scope: ToolScope, name: string, section: InsertToolSection): Promise<InsertToolIR | undefined> {
  const { reporter } = scope;
  const at: DocPath = ['tools', name];
  const identifier = scope.identifiers.allocate(name);
  const writes = section.writes ?? [];
  if (writes.length !== 1) {
    reporter.error(
      'MCPC_INSERT_TARGET',
      writes.length === 0 ? at : [...at, 'writes'],
      `insert tool '${name}' must name the one resource it writes (writes: [<resource>]); it names ${writes.length === 0 ? 'none' : writes.length}`,
      writes.length === 0 ? { part: 'key' } : {},
    );
    return undefined;
  }
  const placement = placeTool(scope, name, section, 'writes');
  if (!placement) return undefined;
  const resource = scope.resources.find((r) => r.name === writes[0])!;
  const tableNames = [resource.table, ...(resource.database === undefined ? [] : [`${resource.database}.${resource.table}`])];
  if (!tableNames.includes(section.table)) {
    reporter.error(
      'MCPC_INSERT_TARGET',
      [...at, 'table'],
      `insert tool '${name}' inserts into '${section.table}', but the resource it writes, '${resource.name}', is table '${tableNames.at(-1)}'`,
    );
    return undefined;
  }
  if (resource.database !== undefined && SYSTEM_DATABASES.has(resource.database)) {
    reporter.error(
      'MCPC_INSERT_TARGET',
      [...at, 'writes', 0],
      `insert tool '${name}' writes ${resource.database}.${resource.table}, a table of the engine itself`,
    );
    return undefined;
  }
  const maxRows = section.max_rows ?? DEFAULT_INSERT_MAX_ROWS;
  const inputSchema = insertInputSchema({ type: 'object' }, maxRows);
  return {
    kind: 'insert',
    name,
    identifier,
    ...(section.title === undefined ? {} : { title: section.title }),
    description: writeDescription(section.description),
    source: placement.source,
    access: placement.access,
    ...(placement.scopes === undefined ? {} : { scopes: placement.scopes }),
    reads: [],
    writes,
    table: { ...(resource.database === undefined ? {} : { database: resource.database }), name: resource.table },
    maxRows,
    params: paramsOf(inputSchema),
    inputSchema,
    outputSchema: INSERT_OUTPUT_SCHEMA,
    at,
  };
}

/**
 * The insert tool once the catalog knows its table: each row's fields are the columns an INSERT
 * may set, each value checked against its column's type before anything is sent. Reports what
 * the catalog shows would go wrong: a table that keeps no deduplication tokens (a replayed insert
 * would be written twice once the server forgot its key), columns whose values cannot be checked.
 */
export function typedInsertTool(reporter: Reporter, tool: InsertToolIR, table: CatalogTable): InsertToolIR | undefined {
  const tableAt: DocPath = [...tool.at, 'table'];
  const shown = `${table.database}.${table.name}`;
  if (/^(View|MaterializedView|Dictionary|LiveView|WindowView)$/.test(table.engine)) {
    reporter.error('MCPC_INSERT_TARGET', tableAt, `insert tool '${tool.name}' writes ${shown}, a ${table.engine}; write to the table it reads from`);
    return undefined;
  }
  const columns: InsertColumnIR[] = table.columns
    .filter((c) => c.defaultKind !== 'MATERIALIZED' && c.defaultKind !== 'ALIAS')
    .map((c) => ({ name: c.name, type: c.type, hasDefault: c.defaultKind === 'DEFAULT' || c.defaultKind === 'EPHEMERAL' }));
  for (const column of columns) {
    const unmapped = unmappedTypes(column.type, 'input');
    if (unmapped.length > 0) {
      reporter.warning(
        'MCPC_INSERT_UNCHECKED',
        tableAt,
        `column '${column.name}' of ${shown} is ${column.type}; mcpc has no JSON Schema for ${[...new Set(unmapped)].join(', ')}, so its values reach the engine unchecked`,
      );
    }
  }
  const dedup = deduplication(table);
  if (dedup !== undefined) {
    reporter.warning(
      'MCPC_INSERT_NO_DEDUP',
      tableAt,
      `table ${shown} ${dedup.problem}, so ClickHouse would write a replayed insert again once the server has forgotten its key (a restart)`,
      {
        hint: dedup.hint,
      },
    );
  }
  const inputSchema = insertInputSchema(tableRowInputSchemaOf(columns), tool.maxRows);
  return { ...tool, columns, inputSchema, params: paramsOf(inputSchema) };
}

/** Why a table keeps no insert deduplication tokens, when it does not. */
function deduplication(table: CatalogTable): { problem: string; hint: string } | undefined {
  if (/^(Replicated|Shared)/.test(table.engine)) return undefined;
  if (/MergeTree$/.test(table.engine)) {
    const window = /\bnon_replicated_deduplication_window\s*=\s*(\d+)/.exec(table.engineFull)?.[1];
    if (window !== undefined && Number(window) > 0) return undefined;
    return {
      problem: `(${table.engine}) keeps no insert deduplication tokens${window === undefined ? '' : ' (non_replicated_deduplication_window = 0)'}`,
      hint: 'add SETTINGS non_replicated_deduplication_window = 1000 to its CREATE TABLE (or use a Replicated table)',
    };
  }
  return {
    problem: `(${table.engine}) cannot deduplicate inserts`,
    hint: 'use a MergeTree table with SETTINGS non_replicated_deduplication_window = 1000, or a Replicated one',
  };
}

/** An insert tool's params, as pipeline steps see them: read from its input schema. */
function paramsOf(inputSchema: JsonSchema): ParamIR[] {
  const properties = inputSchema.properties as Record<string, JsonSchema>;
  const required = new Set(inputSchema.required as string[]);
  return Object.entries(properties).map(([name, schema]) => ({ name, schema, required: required.has(name), tsType: tsTypeOf(schema) }));
}
