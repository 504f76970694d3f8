import { rowSchemaOf } from '../../../runtime/contract/clickhouse-json.js';
import type { StreamKeyColumn } from '../../../runtime/contract/spec.js';
import { STREAM_CURSOR, STREAM_CURSOR_SCHEMA, STREAM_DEFAULTS, streamOutputSchema } from '../../../runtime/contract/stream.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { Reporter } from '../../diagnostics/reporter.js';
import { locateInScalar } from '../../parse/source-document.js';
import type { StreamToolSection } from '../../validate/pipeline-file.js';
import type { ColumnIR, ParamIR, StreamToolIR } from '../ir.js';
import { encodingFor, parseClickHouseType } from '../clickhouse-type.js';
import { inputSchemaOf } from '../params.js';
import { analyzeBoundSql } from './bound-sql.js';
import { placeTool } from './placement.js';
import type { ToolScope } from './scope.js';
import { orderByKey } from './stream-key.js';

/**
 * `kind: stream`: one declared SELECT read page by page, each page resumed after the last row's
 * key (the SQL's `ORDER BY` columns), or as live batches. The key is proven here as far as the
 * SQL text goes; its columns and types come with the catalog (`typedStreamTool`).
 */
export async function analyzeStreamTool(scope: ToolScope, name: string, section: StreamToolSection): Promise<StreamToolIR | undefined> {
  const { reporter } = scope;
  const at: DocPath = ['tools', name];
  const identifier = scope.identifiers.allocate(name);
  for (const param of Object.keys(section.params ?? {})) {
    if (param === STREAM_CURSOR || param.startsWith('mcpc_')) {
      reporter.error('MCPC_PARAM_INVALID', [...at, 'params', param], `param '${param}' of stream tool '${name}' has a name the stream itself uses`, {
        part: 'key',
      });
    }
  }
  const placement = placeTool(scope, name, section);
  const bound = await analyzeBoundSql(scope, at, section, placement !== undefined);
  if (!placement || !bound) return undefined;
  const order = orderByKey(bound.sql);
  if (!order.ok) {
    reporter.error('MCPC_STREAM_ORDER', [...at, 'sql'], `stream tool '${name}' cannot be read page by page: ${order.problem}`, {
      hint: 'end the SQL with ORDER BY the columns that identify a row (the table sorting key, then a unique column), and no LIMIT',
    });
    return undefined;
  }
  const declared = section.stream?.key;
  if (declared && declared.join('\u0000') !== order.columns.map((c) => c.name).join('\u0000')) {
    reporter.error(
      'MCPC_STREAM_KEY',
      [...at, 'stream', 'key'],
      `stream.key of '${name}' is ${declared.join(', ')}, but its SQL orders by ${order.columns.map((c) => c.name).join(', ')}; a page resumes in the order the SQL reads`,
    );
    return undefined;
  }
  const params: ParamIR[] = [...bound.params, { name: STREAM_CURSOR, schema: { ...STREAM_CURSOR_SCHEMA }, required: false, tsType: 'string' }];
  return {
    kind: 'stream',
    name,
    identifier,
    ...(section.title === undefined ? {} : { title: section.title }),
    description: section.description,
    ...placement,
    params,
    inputSchema: inputSchemaOf(params),
    outputSchema: streamOutputSchema(),
    sql: bound.sql,
    bindings: bound.bindings,
    emptyInputs: bound.emptyInputs,
    batchSize: section.stream?.batch_size ?? STREAM_DEFAULTS.batchSize,
    maxLatencyMs: section.stream?.max_latency_ms ?? STREAM_DEFAULTS.maxLatencyMs,
    maxRows: section.stream?.max_rows ?? STREAM_DEFAULTS.maxRows,
    order: order.columns,
    at,
  };
}

/**
 * A stream tool once the catalog knows its result columns: each key column must be one of them,
 * and not Nullable (NULLs sort apart, so no `>` resumes after one); its type binds the cursor.
 */
export function typedStreamTool(reporter: Reporter, tool: StreamToolIR, columns: ColumnIR[]): StreamToolIR | undefined {
  const resolved = resolveKey(tool.order, columns);
  if ('problem' in resolved) {
    reporter.error('MCPC_STREAM_ORDER', [...tool.at, 'sql'], `stream tool '${tool.name}' ${resolved.problem}`, {
      at: locateInScalar(reporter.doc, [...tool.at, 'sql'], resolved.column),
    });
    return undefined;
  }
  return { ...tool, columns, key: resolved.key, outputSchema: streamOutputSchema(rowSchemaOf(columns)) };
}

/**
 * The typed key of an ORDER BY, or why there is none: an ORDER BY name that is not a result
 * column, or a Nullable column (NULLs sort apart, so no `>` resumes after one).
 */
export function resolveKey(
  order: ReadonlyArray<{ name: string; descending: boolean }>,
  columns: readonly ColumnIR[],
): { key: StreamKeyColumn[] } | { problem: string; column: string } {
  const key: StreamKeyColumn[] = [];
  for (const element of order) {
    const column = columns.find((c) => c.name === element.name);
    if (!column) {
      return {
        problem: `orders by ${element.name}, which is not a column of its result (${columns.map((c) => c.name).join(', ')}); a cursor resumes after the last row's values`,
        column: element.name,
      };
    }
    if (/^(LowCardinality\()?Nullable\(/.test(column.type)) {
      return {
        problem: `orders by ${element.name}, which is ${column.type}; a key column cannot be NULL (coalesce it, or order by another column)`,
        column: element.name,
      };
    }
    key.push({ name: column.name, type: column.type, descending: element.descending, encoding: keyEncoding(column.type) });
  }
  return { key };
}

/** How a key value the tool returned is bound back: DateTime text as epoch seconds, as params are. */
function keyEncoding(type: string): StreamKeyColumn['encoding'] {
  try {
    return encodingFor(parseClickHouseType(type), 'string') === 'epoch-seconds' ? 'epoch-seconds' : 'value';
  } catch {
    return 'value'; // a type params cannot have (a Tuple): bound as the engine returned it
  }
}
