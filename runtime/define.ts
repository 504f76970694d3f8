import type { InsertToolSpec, JsonObject, PipelineToolSpec, QueryToolSpec, SqlToolSpec, StreamToolSpec, ToolSpec } from './contract/spec.js';

/**
 * Declares a query tool with its argument and row types. The types let the compiler's type-check
 * prove that `bind` only reads declared params and that `columns` name exactly the row's fields;
 * the runtime holds every tool with the types erased.
 */
export function queryTool<Args = Record<string, never>, Row = JsonObject>(spec: Omit<QueryToolSpec<Args, Row>, 'kind'>): ToolSpec {
  return { kind: 'query', ...spec } as unknown as ToolSpec;
}

/** Declares a stream tool with its argument and row types. */
export function streamTool<Args = Record<string, never>, Row = JsonObject>(spec: Omit<StreamToolSpec<Args, Row>, 'kind'>): ToolSpec {
  return { kind: 'stream', ...spec } as unknown as ToolSpec;
}

/** Declares an insert tool with the type of its rows (whose keys `columns` name). */
export function insertTool<Row = JsonObject>(spec: Omit<InsertToolSpec<Row>, 'kind'>): ToolSpec {
  return { kind: 'insert', ...spec } as unknown as ToolSpec;
}

/** Declares a tool that runs a SELECT written by the agent, over the tables of its reads. */
export function sqlTool(spec: Omit<SqlToolSpec, 'kind'>): ToolSpec {
  return { kind: 'sql', ...spec };
}

/** Declares a composite pipeline served as a tool. */
export function pipelineTool(spec: Omit<PipelineToolSpec, 'kind'>): ToolSpec {
  return { kind: 'pipeline', ...spec };
}

export { toEpochSeconds } from './contract/epoch-seconds.js';
