import type { QueryToolSpec, ToolSpec } from './contract/spec.js';

/**
 * Declares a query tool with its argument type. The type lets the compiler's type-check prove
 * that `bind` only reads declared params; the runtime holds every tool with the type erased.
 */
export function queryTool<Args = Record<string, never>>(spec: Omit<QueryToolSpec<Args>, 'kind'>): ToolSpec {
  return { kind: 'query', ...spec } as unknown as ToolSpec;
}

/**
 * Epoch seconds for a DateTime placeholder. ClickHouse does not parse RFC 3339 text
 * (`2024-01-01T10:00:00Z`) as a DateTime parameter, but parses epoch seconds exactly; integers
 * (already epoch seconds) pass through. Fractional seconds keep millisecond precision for DateTime64.
 */
export function toEpochSeconds(value: string | number): string | number {
  if (typeof value === 'number') return value;
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) return value; // validation already refused it; let ClickHouse say why
  return millis % 1000 === 0 ? String(millis / 1000) : (millis / 1000).toFixed(3);
}
