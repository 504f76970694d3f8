import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { CallContext } from '../call/context.js';
import type { CursorSigner } from '../call/cursors.js';
import type { StreamRegistry } from '../call/streams.js';
import type { Principal } from '../contract/access.js';
import type { JsonObject, ToolSpec } from '../contract/spec.js';
import type { Source } from '../sources/source.js';

/** What a tool returns when it succeeds: the structured result and the same as text. */
export interface ToolOutcome {
  readonly structured: JsonObject;
  /** The text content block; for JSON results, `structured` serialized once. */
  readonly text: string;
  /** Fields for the operator's log line about this call (rows, truncated, ...). */
  readonly logFields?: Record<string, unknown>;
  /** A write replayed from its idempotency key: the request id of the call that did it. */
  readonly requestId?: string;
  readonly replayed?: true;
}

/** What a tool's `run` may use besides its arguments. */
export interface ToolEnvironment {
  readonly context: CallContext;
  /** The open source of this name (a tool that runs SQL runs on one). */
  sourceOf(name: string): Source;
  /**
   * Runs another tool in-process, as a pipeline step: its arguments validated as if a client sent
   * them, its kind's run, its failures thrown as ToolFailure. Access was settled for the whole
   * pipeline at build time (a pipeline needs what every tool it reaches needs).
   */
  callStep(name: string, args: unknown, context: CallContext): Promise<ToolOutcome>;
  /** The outcomes of writes by idempotency key. */
  readonly idempotency: WriteKeys;
  /** Signs and checks stream cursors. */
  readonly cursors: CursorSigner;
  /** The server's live streams, against its limits. */
  readonly streams: StreamRegistry;
  /** Longest a stream's query may run. */
  readonly streamTimeoutS: number;
}

/** One write, keyed: who, which tool, which key, and what arguments. */
export interface WriteCall {
  readonly principal: Principal;
  readonly tool: string;
  readonly key: string;
  /** The call's arguments; the key among them is left out of the comparison. */
  readonly args: JsonObject;
}

/** Runs a write once per key (runtime/call/idempotency.ts): `work` gets the token ClickHouse deduplicates by. */
export interface WriteKeys {
  run(call: WriteCall, context: CallContext, work: (token: string) => Promise<ToolOutcome>): Promise<ToolOutcome>;
}

/** The MCP annotations every tool carries, each decided by its kind. */
export type KindAnnotations = Readonly<Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>>;

/**
 * One kind of tool (`query`, `pipeline`, later `stream`, `insert`, `sql`): everything the runtime
 * needs to serve tools of that kind lives in the kind's own module, `runtime/tools/<kind>.ts`.
 */
export interface ToolKind<Spec extends ToolSpec> {
  /** What a client may assume about calling this tool (MCP tool annotations). */
  annotations(tool: Spec): KindAnnotations;
  /** The JSON Schema of `structuredContent` for this tool. */
  outputSchema(tool: Spec): JsonObject;
  /** Runs the tool with validated arguments (defaults applied). Failures throw `ToolFailure`. */
  run(tool: Spec, args: JsonObject, environment: ToolEnvironment): Promise<ToolOutcome>;
}
