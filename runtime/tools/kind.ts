import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { CallContext } from '../call/context.js';
import type { JsonObject, ToolSpec } from '../contract/spec.js';
import type { Source } from '../sources/source.js';

/** What a tool returns when it succeeds: the structured result and the same as text. */
export interface ToolOutcome {
  readonly structured: JsonObject;
  /** The text content block; for JSON results, `structured` serialized once. */
  readonly text: string;
  /** Fields for the operator's log line about this call (rows, truncated, ...). */
  readonly logFields?: Record<string, unknown>;
}

/** What a tool's `run` may use besides its arguments. */
interface ToolEnvironment {
  readonly context: CallContext;
  /** The source the tool runs on. */
  readonly source: Source;
}

/**
 * One kind of tool (`query`, later `stream`, `insert`, `sql`): everything the runtime needs to
 * serve tools of that kind lives in the kind's own module, `runtime/tools/<kind>.ts`.
 */
export interface ToolKind<Spec extends ToolSpec> {
  /** What a client may assume about calling a tool of this kind (MCP tool annotations). */
  readonly annotations: Readonly<Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>>;
  /** The JSON Schema of `structuredContent` for this tool. */
  outputSchema(tool: Spec): JsonObject;
  /** Runs the tool with validated arguments (defaults applied). Failures throw `ToolFailure`. */
  run(tool: Spec, args: JsonObject, environment: ToolEnvironment): Promise<ToolOutcome>;
}
