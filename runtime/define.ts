import type { InsertToolSpec, JsonObject, PipelineToolSpec, QueryToolSpec, StreamToolSpec, ToolSpec } from './contract/spec.js';

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

/** Declares a composite pipeline served as a tool. */
export function pipelineTool(spec: Omit<PipelineToolSpec, 'kind'>): ToolSpec {
  return { kind: 'pipeline', ...spec };
}

/**
 * Epoch seconds for a DateTime placeholder. ClickHouse does not parse RFC 3339 text
 * (`2024-01-01T10:00:00Z`) as a DateTime parameter, but parses epoch seconds exactly, as long as
 * they are written with at least five digits (it refuses `0` to `9999`, which read like years):
 * so the whole seconds are padded to ten. Fractional seconds keep millisecond precision for DateTime64.
 */
export function toEpochSeconds(value: string | number): string {
  const millis = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (Number.isNaN(millis)) return String(value); // validation already refused it; let ClickHouse say why
  const sign = millis < 0 ? '-' : '';
  const whole = Math.floor(Math.abs(millis) / 1000);
  const fraction = Math.abs(millis) % 1000;
  return `${sign}${String(whole).padStart(10, '0')}${fraction === 0 ? '' : `.${String(Math.round(fraction)).padStart(3, '0')}`}`;
}
