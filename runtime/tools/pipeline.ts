import type { CallContext } from '../call/context.js';
import type { ArgSpec, JsonObject, PipelineToolSpec, StepSpec } from '../contract/spec.js';
import { numberFromText } from '../contract/clickhouse-json.js';
import { IDEMPOTENCY_KEY } from '../contract/insert.js';
import { ToolFailure } from '../errors.js';
import { traceStep } from '../telemetry/hooks.js';
import type { KindAnnotations, ToolEnvironment, ToolKind, ToolOutcome } from './kind.js';

const READ_ONLY: KindAnnotations = Object.freeze({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });

/**
 * `pipelines:` served as tools: a DAG of steps run in-process. A step starts as soon as the steps
 * it waits for are done, up to `maxConcurrentSteps` at once; results pass between steps as values,
 * never through JSON-RPC. The first failure stops the pipeline: steps not started never start,
 * running ones are cancelled (their queries stopped), and the error names the step, its code and
 * message. A cancelled call cancels every running step. When the caller asked for progress,
 * each finished step is reported.
 */
export const pipelineKind: ToolKind<PipelineToolSpec> = {
  annotations: (tool) => (writes(tool) ? APPEND : READ_ONLY),
  outputSchema: (tool) => tool.outputSchema,
  async run(tool, args, environment) {
    const run = async (): Promise<ToolOutcome> => {
      const results = await runSteps(tool, args, environment);
      const structured = evaluate(tool.output, args, results) as JsonObject;
      return { structured, text: JSON.stringify(structured), logFields: { steps: tool.steps.length } };
    };
    if (!writes(tool)) return run();
    // A pipeline that writes is itself keyed: a retry replays its first outcome, or (when that
    // failed midway) runs again, each write step keyed from the pipeline's key, so the writes
    // already done are replayed, not repeated.
    const { context, idempotency } = environment;
    return idempotency.run({ principal: context.principal, tool: tool.name, key: args[IDEMPOTENCY_KEY] as string, args }, context, run);
  },
};

const APPEND: KindAnnotations = Object.freeze({ readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false });

function writes(tool: PipelineToolSpec): boolean {
  return (tool.writes?.length ?? 0) > 0;
}

/** A write step's arguments: its idempotency key, unless `with` passes one, is the pipeline's and the step's id. */
function stepArguments(step: StepSpec, args: JsonObject, results: Results): JsonObject {
  const values = evaluate({ object: step.with }, args, results) as JsonObject;
  if (!step.writes || values[IDEMPOTENCY_KEY] !== undefined) return values;
  return { ...values, [IDEMPOTENCY_KEY]: `${String(args[IDEMPOTENCY_KEY])}/${step.id}` };
}

/** A step's result: the structured content of the tool it called. */
type Results = Map<string, JsonObject>;

async function runSteps(tool: PipelineToolSpec, args: JsonObject, environment: ToolEnvironment): Promise<Results> {
  const { context } = environment;
  const results: Results = new Map();
  const pending = [...tool.steps];
  const running = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  let failure: ToolFailure | undefined;
  let finished = 0;
  /** Write steps done, in the order they finished: a failure reports them. */
  const committed: string[] = [];

  const start = (step: StepSpec) => {
    const abort = new AbortController();
    const timeout = AbortSignal.timeout(step.timeoutS * 1000);
    const signal = AbortSignal.any([context.signal, abort.signal, timeout]);
    // A step's result is a value for the next steps: no progress or partial results of its own reach the caller.
    const { progress: _progress, partial: _partial, ...parent } = context;
    const stepContext: CallContext = {
      ...parent,
      requestId: `${context.requestId}.${step.id}`,
      startedAt: performance.now(),
      signal,
      inPipeline: true,
      step: { id: step.id, parentRequestId: context.requestId },
    };
    const stepArgs = stepArguments(step, args, results);
    const promise = traceStep(stepContext, { pipeline: tool.name, id: step.id, call: step.call }, (traced) => environment.callStep(step.call, stepArgs, traced))
      .then((outcome: ToolOutcome) => {
        results.set(step.id, outcome.structured);
        if (step.writes) committed.push(`${step.id} (${step.call}, key ${String(stepArgs[IDEMPOTENCY_KEY])})`);
        finished++;
        context.progress?.(finished, tool.steps.length, `step '${step.id}' (${step.call}) done`);
      })
      .catch((error: unknown) => {
        if (failure) return; // a step cancelled because another failed: the first failure is the answer
        const cancelled = [...running.keys()].filter((id) => id !== step.id);
        failure = stepFailure(
          step,
          error,
          { timedOut: timeout.aborted, cancelled: context.signal.aborted },
          { cancelled, notStarted: pending.map((s) => s.id), committed },
        );
        for (const other of running.values()) other.abort.abort();
      })
      .finally(() => running.delete(step.id));
    running.set(step.id, { promise, abort });
  };

  while (!failure && (pending.length > 0 || running.size > 0)) {
    for (const step of [...pending]) {
      if (running.size >= tool.maxConcurrentSteps) break;
      if (!step.after.every((id) => results.has(id))) continue;
      pending.splice(pending.indexOf(step), 1);
      start(step);
    }
    if (running.size === 0) break; // nothing runnable: cannot happen in a DAG checked at build time
    await Promise.race([...running.values()].map((r) => r.promise));
  }
  await Promise.allSettled([...running.values()].map((r) => r.promise));
  if (failure) throw failure;
  if (pending.length > 0) throw new Error(`mcpc internal error: steps ${pending.map((s) => s.id).join(', ')} of '${tool.name}' never became ready`);
  return results;
}

/** The pipeline's failure: which step, why, and what became of the others. */
function stepFailure(
  step: StepSpec,
  error: unknown,
  why: { timedOut: boolean; cancelled: boolean },
  others: { cancelled: string[]; notStarted: string[]; committed: string[] },
): ToolFailure {
  const rest = [
    ...(others.cancelled.length > 0 ? [`cancelled: ${others.cancelled.join(', ')}`] : []),
    ...(others.notStarted.length > 0 ? [`not started: ${others.notStarted.join(', ')}`] : []),
    // What a retry with the same key replays rather than writes again.
    ...(others.committed.length > 0 ? [`writes committed: ${others.committed.join(', ')}`] : []),
  ];
  const tail = rest.length > 0 ? `; ${rest.join('; ')}` : '';
  if (why.cancelled) return new ToolFailure('REQUEST.CANCELLED', `the request was cancelled; its running steps were stopped${tail}`);
  if (why.timedOut)
    return new ToolFailure('STEP.TIMEOUT', `step '${step.id}' (${step.call}) ran longer than its ${step.timeoutS} s; its query was stopped${tail}`);
  if (error instanceof ToolFailure) {
    return new ToolFailure('STEP.FAILED', `step '${step.id}' (${step.call}) failed with ${error.code}: ${error.message}${tail}`, { cause: error });
  }
  return new ToolFailure('INTERNAL', `step '${step.id}' (${step.call}) failed inside the server; the operator can find the cause in its log${tail}`, {
    cause: error,
  });
}

/** The value of an argument for this call. */
function evaluate(arg: ArgSpec, params: JsonObject, results: Results): unknown {
  if ('literal' in arg) return structuredClone(arg.literal);
  if ('param' in arg) return params[arg.param];
  if ('step' in arg) {
    const value = fieldOf(results.get(arg.step), arg.fields);
    return 'asNumber' in arg && arg.asNumber ? numberFromText(value) : value;
  }
  if ('template' in arg) return arg.template.map((part) => (typeof part === 'string' ? part : textOf(evaluate(part, params, results)))).join('');
  if ('list' in arg) return arg.list.map((item) => evaluate(item, params, results));
  return Object.fromEntries(
    Object.entries(arg.object)
      .map(([key, item]) => [key, evaluate(item, params, results)] as const)
      .filter(([, value]) => value !== undefined),
  );
}

function fieldOf(value: unknown, fields: readonly string[]): unknown {
  let current = value;
  for (const field of fields) current = current !== null && typeof current === 'object' ? (current as JsonObject)[field] : undefined;
  return current;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
