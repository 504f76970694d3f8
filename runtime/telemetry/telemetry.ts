import {
  type Attributes,
  type Context,
  type Counter,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type Histogram,
  type Meter,
  ROOT_CONTEXT,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { CallContext, CallTrace, StepRef } from '../call/context.js';
import { ToolFailure } from '../errors.js';
import type { Source } from '../sources/source.js';
import { endSpan } from './spans.js';
import { tracedSource } from './traced-source.js';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPC_PIPELINE,
  ATTR_MCPC_REQUEST_ID,
  ATTR_MCPC_ROWS,
  ATTR_MCPC_STEP,
  ATTR_NETWORK_TRANSPORT,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  MCP_DURATION_BUCKETS,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCPC_CALLS,
  METRIC_MCPC_ERRORS,
  METRIC_MCPC_ROWS,
} from './attributes.js';

/** The `_meta` key of a tool result that carries its error code (runtime/call/shape.ts). */
const ERROR_CODE_KEY = 'mcpc/error_code';

/** What the SDK gives the runtime: a tracer, a meter, and how to flush and stop them. */
export interface TelemetryProviders {
  readonly tracer: Tracer;
  readonly meter: Meter;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Spans and metrics of tool calls, pipeline steps and ClickHouse queries, named and attributed
 * per the OpenTelemetry semantic conventions for MCP and for database clients. It exists only
 * when the server exports telemetry; without it no span, no metric and no SDK exist.
 */
export class Telemetry {
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly operationDuration: Histogram;
  readonly queryDuration: Histogram;
  private readonly calls: Counter;
  private readonly errors: Counter;
  private readonly rows: Counter;

  constructor(private readonly providers: TelemetryProviders) {
    const { meter } = providers;
    this.operationDuration = meter.createHistogram(METRIC_MCP_SERVER_OPERATION_DURATION, {
      unit: 's',
      description: 'Duration of MCP requests as the server saw them, from arrival to result',
      advice: { explicitBucketBoundaries: MCP_DURATION_BUCKETS },
    });
    this.queryDuration = meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, { unit: 's', description: 'Duration of ClickHouse queries' });
    this.calls = meter.createCounter(METRIC_MCPC_CALLS, { unit: '{call}', description: 'Tool calls answered, by tool' });
    this.errors = meter.createCounter(METRIC_MCPC_ERRORS, { unit: '{error}', description: 'Tool calls that failed, by tool and error code (error.type)' });
    this.rows = meter.createCounter(METRIC_MCPC_ROWS, { unit: '{row}', description: 'Rows returned by tool calls, by tool' });
  }

  get tracer(): Tracer {
    return this.providers.tracer;
  }

  /**
   * Runs one `tools/call` inside its span (`tools/call <tool>`, kind SERVER), parented to the
   * trace context the caller sent in `params._meta` (W3C `traceparent`/`tracestate`), and counts
   * it. A failed call (a result with `isError`) sets the span's status and `error.type` to mcpc's
   * error code.
   */
  async traceCall(context: CallContext, tool: string, run: (context: CallContext) => Promise<CallToolResult>): Promise<CallToolResult> {
    const rpc = context.rpc;
    const parent = rpc?.meta === undefined ? ROOT_CONTEXT : this.propagator.extract(ROOT_CONTEXT, rpc.meta, defaultTextMapGetter);
    const attributes: Attributes = {
      [ATTR_MCP_METHOD_NAME]: 'tools/call',
      [ATTR_GEN_AI_TOOL_NAME]: tool,
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_EXECUTE_TOOL,
      [ATTR_MCPC_REQUEST_ID]: context.requestId,
      [ATTR_NETWORK_TRANSPORT]: rpc?.client === undefined ? 'pipe' : 'tcp',
      ...(rpc === undefined ? {} : { [ATTR_JSONRPC_REQUEST_ID]: String(rpc.id) }),
      ...(rpc?.client === undefined ? {} : { [ATTR_CLIENT_ADDRESS]: rpc.client }),
      ...(rpc?.sessionId === undefined ? {} : { [ATTR_MCP_SESSION_ID]: rpc.sessionId }),
    };
    const span = this.tracer.startSpan(`tools/call ${tool}`, { kind: SpanKind.SERVER, attributes }, parent);
    const started = performance.now();
    let code: string | undefined;
    let rows: number | undefined;
    try {
      const result = await run({ ...context, trace: { telemetry: this, context: trace.setSpan(parent, span) } });
      code = result.isError ? String(result._meta?.[ERROR_CODE_KEY] ?? 'tool_error') : undefined;
      rows = rowCount(result.structuredContent);
      return result;
    } catch (error) {
      code = errorCode(error);
      throw error;
    } finally {
      if (rows !== undefined) span.setAttribute(ATTR_MCPC_ROWS, rows);
      endSpan(span, code);
      const metric: Attributes = {
        [ATTR_MCP_METHOD_NAME]: 'tools/call',
        [ATTR_GEN_AI_TOOL_NAME]: tool,
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_EXECUTE_TOOL,
        ...(code === undefined ? {} : { [ATTR_ERROR_TYPE]: code }),
      };
      this.operationDuration.record((performance.now() - started) / 1000, metric);
      this.calls.add(1, { [ATTR_GEN_AI_TOOL_NAME]: tool });
      if (code !== undefined) this.errors.add(1, { [ATTR_GEN_AI_TOOL_NAME]: tool, [ATTR_ERROR_TYPE]: code });
      if (rows !== undefined) this.rows.add(rows, { [ATTR_GEN_AI_TOOL_NAME]: tool });
    }
  }

  /**
   * Runs one pipeline step inside its span (`execute_tool <tool it calls>`, kind INTERNAL, as the
   * GenAI conventions name a tool's execution), a child of the pipeline's call span.
   */
  async traceStep<T>(parent: CallTrace, context: CallContext, step: StepRef, run: (context: CallContext) => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(
      `${GEN_AI_OPERATION_EXECUTE_TOOL} ${step.call}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_EXECUTE_TOOL,
          [ATTR_GEN_AI_TOOL_NAME]: step.call,
          [ATTR_MCPC_PIPELINE]: step.pipeline,
          [ATTR_MCPC_STEP]: step.id,
          [ATTR_MCPC_REQUEST_ID]: context.requestId,
        },
      },
      parent.context,
    );
    let code: string | undefined;
    try {
      return await run({ ...context, trace: { telemetry: this, context: trace.setSpan(parent.context, span) } });
    } catch (error) {
      code = errorCode(error);
      throw error;
    } finally {
      endSpan(span, code);
    }
  }

  /** A source as a traced call sees it: its queries in spans of their own (runtime/telemetry/traced-source.ts). */
  source(source: Source, parent: CallTrace): Source {
    return tracedSource(source, parent.context, this);
  }

  /** The W3C traceparent of a span, as it travels to ClickHouse with the span's query. */
  traceparentOf(context: Context): string | undefined {
    const carrier: Record<string, string> = {};
    this.propagator.inject(context, carrier, defaultTextMapSetter);
    return carrier.traceparent;
  }

  /** Exports what is buffered now (spans and metrics). */
  flush(): Promise<void> {
    return this.providers.forceFlush();
  }

  /** Exports what is buffered and stops the exporters. */
  shutdown(): Promise<void> {
    return this.providers.shutdown();
  }
}

/** mcpc's error code of a failure: a ToolFailure's code, else the error's class (a protocol error, an internal one). */
function errorCode(error: unknown): string {
  if (error instanceof ToolFailure) return error.code;
  return error instanceof Error ? error.constructor.name : '_OTHER';
}

function rowCount(structured: unknown): number | undefined {
  const count = (structured as { row_count?: unknown } | undefined)?.row_count;
  return typeof count === 'number' ? count : undefined;
}
