import type { Principal } from '../contract/access.js';
import type { JsonObject } from '../contract/spec.js';
import type { Context } from '@opentelemetry/api';
import type { Source } from '../sources/source.js';

/**
 * One request as every stage of its path sees it: created when the request arrives, passed
 * through authorize → validate → execute → shape (and, as they arrive, budgets, audit and
 * tracing), and gone when it is answered.
 */
export interface CallContext {
  /** One id per call: in the result's `_meta`, the log, and ClickHouse's `query_id`. */
  readonly requestId: string;
  readonly principal: Principal;
  /**
   * Where the call comes from, which tells anonymous callers apart for budgets: over HTTP the
   * client's address (or the header `budgets.anonymous_key` names), over stdio `stdio`.
   */
  readonly client?: string;
  /** Aborted when the client cancels or goes away. */
  readonly signal: AbortSignal;
  /** `performance.now()` when the request arrived (a pipeline step: when the step started). */
  readonly startedAt: number;
  /** Reports progress to the caller, when it asked for progress (sent a progress token). */
  readonly progress?: (done: number, total: number, message: string) => void;
  /**
   * Sends part of the result as it is read (`notifications/tools/partial_result`), when the caller
   * asked for partial results; resolves when the client can take more, so a slow client pauses
   * the read that feeds it.
   */
  readonly partial?: (structured: JsonObject) => Promise<void>;
  /** A pipeline step: its result is a value for the next steps, so a stream is read whole (to its max_rows). */
  readonly inPipeline?: true;
  /**
   * The JSON-RPC request of a traced call: its id, its `params._meta` (where a caller's trace
   * context travels), its session, and the client's address over HTTP. Set only when the server
   * exports telemetry.
   */
  readonly rpc?: { readonly id: string | number; readonly meta?: Readonly<Record<string, unknown>>; readonly sessionId?: string; readonly client?: string };
  /** The span this call or step runs under, when the server exports telemetry (runtime/telemetry/). */
  readonly trace?: CallTrace;
  /** A pipeline step: its id and the request id of the pipeline call, for the audit. */
  readonly step?: { readonly id: string; readonly parentRequestId: string };
}

/** Milliseconds since the call arrived, rounded for logs. */
export function elapsedMs(context: CallContext): number {
  return Math.round((performance.now() - context.startedAt) * 100) / 100;
}

/** The span a traced call or step runs under, and the telemetry that made it (runtime/telemetry/). */
export interface CallTrace {
  /** The OpenTelemetry context holding the span. */
  readonly context: Context;
  readonly telemetry: {
    traceStep<T>(parent: CallTrace, context: CallContext, step: StepRef, run: (context: CallContext) => Promise<T>): Promise<T>;
    source(source: Source, parent: CallTrace): Source;
  };
}

/** A pipeline step, as its span names it. */
export interface StepRef {
  readonly pipeline: string;
  readonly id: string;
  readonly call: string;
}
