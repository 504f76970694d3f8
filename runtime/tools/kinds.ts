import type { ToolKindName, ToolSpec } from '../contract/spec.js';
import type { ToolKind } from './kind.js';
import { insertKind } from './insert.js';
import { pipelineKind } from './pipeline.js';
import { queryKind } from './query.js';
import { sqlKind } from './sql.js';
import { streamKind } from './stream.js';

/** Every kind the runtime serves, by name: the one dispatch point for `tools/call` and `tools/list`. */
export const TOOL_KINDS: { readonly [K in ToolKindName]: ToolKind<Extract<ToolSpec, { kind: K }>> } = {
  query: queryKind,
  insert: insertKind,
  stream: streamKind,
  sql: sqlKind,
  pipeline: pipelineKind,
};

/** The kind that serves this tool. */
export function kindOf<Spec extends ToolSpec>(tool: Spec): ToolKind<Spec> {
  return TOOL_KINDS[tool.kind] as unknown as ToolKind<Spec>;
}
