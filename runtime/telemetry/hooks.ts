import type { CallContext, StepRef } from '../call/context.js';
import type { Source } from '../sources/source.js';

/**
 * The hooks the call path calls whether or not the server exports telemetry. They import no
 * OpenTelemetry module: without telemetry they cost a property check, and none is loaded.
 */

/** A pipeline step: inside its own span when the pipeline's call is traced, else run as is. */
export function traceStep<T>(context: CallContext, step: StepRef, run: (context: CallContext) => Promise<T>): Promise<T> {
  const parent = context.trace;
  return parent === undefined ? run(context) : parent.telemetry.traceStep(parent, context, step, run);
}

/** A source as a call uses it: each query in a span of its own when the call is traced, else the source itself. */
export function traceSource(source: Source, context: CallContext): Source {
  return context.trace === undefined ? source : context.trace.telemetry.source(source, context.trace);
}
