import type { DocPath } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../diagnostics/reporter.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { PipelineFile, PipelineSection } from '../validate/pipeline-file.js';
import { requiredAccess } from '../../runtime/contract/access.js';
import { explainArgError } from '../../runtime/contract/args.js';
import { numberTextKind } from '../../runtime/contract/clickhouse-json.js';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_SCHEMA, writeDescription } from '../../runtime/contract/insert.js';
import type { AccessRule } from '../../runtime/contract/spec.js';
import { parseArgument, referencesOf } from './expressions.js';
import { mismatches } from './schema-compat.js';
import type { IdentifierAllocator } from './identifiers.js';
import type { ArgIR, CompositeIR, JsonSchema, ParamIR, StepIR, ToolIR } from './ir.js';
import { analyzeParams, declaredType, inputSchemaOf, jsonTypeOf } from './params.js';
import { validatorFor } from './schema-validators.js';

/** How long a step may run unless its pipeline or itself says otherwise. */
const DEFAULT_STEP_TIMEOUT_S = 30;
/** Steps of one pipeline call running at once unless the pipeline says otherwise. */
const DEFAULT_MAX_CONCURRENT_STEPS = 4;

interface Callable {
  kind: 'tool' | 'pipeline';
  /** Known when the callee was analyzed; unknown callees are not type-checked. */
  params?: ParamIR[];
  /** It writes (an insert tool, or a pipeline that reaches one): it takes an idempotency key. */
  writes: boolean;
}

/**
 * Analyzes composite pipelines: every step calls a defined tool or pipeline with arguments it
 * accepts, and every `${params.x}` and `${steps.id.field}` names something that exists and has a
 * compatible type. Cycles are left to the graph phase, which sees the whole call graph.
 */
export function analyzeComposites(reporter: Reporter, file: PipelineFile, tools: ToolIR[], identifiers: IdentifierAllocator): CompositeIR[] {
  const sections = Object.entries(file.pipelines ?? {});
  const toolSections = file.tools ?? {};
  const callables = new Map<string, Callable>();
  const analyzedTools = new Map(tools.map((tool) => [tool.name, tool]));
  const writers = writingCallables(file);
  for (const name of Object.keys(toolSections)) {
    const analyzed = analyzedTools.get(name);
    callables.set(name, { kind: 'tool', writes: writers.has(name), ...(analyzed ? { params: analyzed.params } : {}) });
  }
  const paramsOf = new Map<string, ParamIR[]>();
  for (const [name, section] of sections) {
    if (name in toolSections) {
      reporter.error('MCPC_NAME_CONFLICT', ['pipelines', name], `pipeline '${name}' has the same name as a tool; both would be MCP tools named '${name}'`, {
        part: 'key',
        related: [{ message: `tool '${name}' is defined here`, ...reporter.where(['tools', name], 'key') }],
      });
      continue;
    }
    const params = analyzeParams(reporter, ['pipelines', name, 'params'], section.params);
    if (writers.has(name)) {
      // A pipeline that writes takes a key of its own, from which each write step's is derived.
      if (params.some((p) => p.name === IDEMPOTENCY_KEY)) {
        reporter.error(
          'MCPC_NAME_CONFLICT',
          ['pipelines', name, 'params', IDEMPOTENCY_KEY],
          `pipeline '${name}' writes, so it takes an ${IDEMPOTENCY_KEY} of its own; a param cannot have that name`,
          { part: 'key' },
        );
        continue;
      }
      params.push({ name: IDEMPOTENCY_KEY, schema: { ...IDEMPOTENCY_KEY_SCHEMA }, required: true, tsType: 'string' });
    }
    paramsOf.set(name, params);
    callables.set(name, { kind: 'pipeline', params, writes: writers.has(name) });
  }

  const outputs = new OutputTypes(file, analyzedTools);
  const composites: CompositeIR[] = [];
  for (const [name, section] of sections) {
    const params = paramsOf.get(name);
    if (!params) continue;
    const composite = analyzeComposite(reporter, name, section, params, callables, outputs, identifiers);
    if (composite) composites.push(composite);
  }
  return settleReach(composites, tools);
}

function analyzeComposite(
  reporter: Reporter,
  name: string,
  section: PipelineSection,
  params: ParamIR[],
  callables: Map<string, Callable>,
  outputs: OutputTypes,
  identifiers: IdentifierAllocator,
): CompositeIR | undefined {
  const at: DocPath = ['pipelines', name];
  const stepIds = Object.keys(section.steps);
  const steps: StepIR[] = [];
  const scope: Scope = { reporter, pipeline: name, params, section, stepIds, outputs };

  for (const [id, step] of Object.entries(section.steps)) {
    const stepAt: DocPath = [...at, 'steps', id];
    const callee = callables.get(step.tool);
    if (!callee) {
      reporter.error(
        'MCPC_REF_UNKNOWN_TOOL',
        [...stepAt, 'tool'],
        `step '${id}' calls '${step.tool}', which is not a defined tool or pipeline${didYouMean(step.tool, callables.keys())}`,
      );
      continue;
    }
    const args: Record<string, ArgIR> = {};
    const dependsOn = new Set<string>();
    for (const [argName, raw] of Object.entries(step.with ?? {})) {
      const argAt: DocPath = [...stepAt, 'with', argName];
      const arg = readArgument(scope, argAt, raw);
      if (!arg) continue;
      args[argName] = arg;
      for (const ref of referencesOf(arg)) if (ref.kind === 'step') dependsOn.add(ref.step);
      if (callee.params) checkArgument(scope, argAt, step.tool, callee.params, argName, arg);
    }
    if (callee.writes && !(IDEMPOTENCY_KEY in (step.with ?? {})) && !scope.params.some((p) => p.name === IDEMPOTENCY_KEY)) {
      throw new Error(`mcpc internal error: pipeline '${name}' reaches a write but takes no ${IDEMPOTENCY_KEY}`);
    }
    if (callee.params) {
      for (const param of callee.params) {
        // A write step's key is derived from the pipeline's unless `with` passes one.
        const derived = callee.writes && param.name === IDEMPOTENCY_KEY;
        if (param.required && !derived && !(param.name in args) && !(param.name in (step.with ?? {}))) {
          reporter.error('MCPC_STEP_ARG_MISSING', stepAt, `step '${id}' does not pass '${param.name}', which '${step.tool}' requires`, { part: 'key' });
        }
      }
    }
    const after: string[] = [];
    for (const [index, other] of (step.after ?? []).entries()) {
      if (other === id) {
        reporter.error('MCPC_GRAPH_STEP_CYCLE', [...stepAt, 'after', index], `step '${id}' cannot run after itself`);
      } else if (!stepIds.includes(other)) {
        reporter.error(
          'MCPC_REF_UNKNOWN_STEP',
          [...stepAt, 'after', index],
          `step '${id}' runs after '${other}', which is not a step of pipeline '${name}'${didYouMean(other, stepIds)}`,
        );
      } else after.push(other);
    }
    steps.push({
      id,
      target: { kind: callee.kind, name: step.tool },
      args,
      dependsOn: [...dependsOn].filter((s) => stepIds.includes(s)).sort(),
      after,
      timeoutS: step.timeout_s ?? section.step_timeout_s ?? DEFAULT_STEP_TIMEOUT_S,
      writes: callee.writes,
      at: stepAt,
    });
  }

  // Without `output`, a pipeline returns what its last step returns.
  const written =
    section.output === undefined ? { kind: 'step' as const, step: stepIds.at(-1)!, fields: [] } : readArgument(scope, [...at, 'output'], section.output);
  if (!written) return undefined;
  const structured = asStructured(schemaOfArg(scope, [...at, 'output'], written));
  const output: ArgIR = structured.wrap ? { kind: 'object', entries: { result: written } } : written;
  const outputSchema = structured.schema;

  return {
    name,
    identifier: identifiers.allocate(name),
    ...(section.title === undefined ? {} : { title: section.title }),
    description: params.some((p) => p.name === IDEMPOTENCY_KEY) ? writeDescription(section.description) : section.description,
    params,
    inputSchema: inputSchemaOf(params),
    steps,
    output,
    outputSchema,
    // Settled once every pipeline is analyzed: they depend on what it reaches (see settleReach).
    access: 'anonymous',
    reads: [],
    writes: [],
    maxConcurrentSteps: section.max_concurrent_steps ?? DEFAULT_MAX_CONCURRENT_STEPS,
    at,
  };
}

/** structuredContent is an object: a pipeline whose output is not one returns it as `{ result }`. */
function asStructured(schema: JsonSchema | undefined): { wrap: boolean; schema: JsonSchema } {
  if (schema === undefined || declaredType(schema) === 'object') return { wrap: false, schema: schema ?? { type: 'object' } };
  return { wrap: true, schema: { type: 'object', properties: { result: schema }, required: ['result'], additionalProperties: false } };
}

/** The JSON Schema of an argument's value, when it can be known. */
function schemaOfArg(scope: Scope, at: DocPath, arg: ArgIR): JsonSchema | undefined {
  switch (arg.kind) {
    case 'literal': {
      const type = jsonTypeOf(arg.value);
      return type === 'null' ? { type: 'null' } : { type };
    }
    case 'template':
      return { type: 'string' };
    case 'list':
      return { type: 'array' };
    case 'object': {
      const properties: Record<string, JsonSchema> = {};
      for (const [key, item] of Object.entries(arg.entries)) properties[key] = schemaOfArg(scope, at, item) ?? {};
      return { type: 'object', properties, required: Object.keys(properties) };
    }
    case 'param':
    case 'step':
      return typeOfReference(scope, at, arg) ?? undefined;
  }
}

/**
 * Each pipeline's access and reads: those of every tool it reaches, through nested pipelines.
 * A caller sees and may call a pipeline only if it may call everything the pipeline calls.
 */
function settleReach(composites: CompositeIR[], tools: ToolIR[]): CompositeIR[] {
  const byName = new Map(composites.map((c) => [c.name, c]));
  const toolsByName = new Map(tools.map((t) => [t.name, t]));
  type Reach = { reads: string[]; writes: string[]; rules: AccessRule[] };
  const memo = new Map<string, Reach>();
  const reach = (name: string, visiting: Set<string>): Reach => {
    const known = memo.get(name);
    if (known) return known;
    const tool = toolsByName.get(name);
    if (tool) return { reads: tool.reads, writes: tool.kind === 'insert' ? tool.writes : [], rules: [tool] };
    const composite = byName.get(name);
    // An unknown callee or a cycle (both reported elsewhere) reaches nothing more.
    if (!composite || visiting.has(name)) return { reads: [], writes: [], rules: [] };
    visiting.add(name);
    const parts = composite.steps.map((step) => reach(step.target.name, visiting));
    visiting.delete(name);
    const found = {
      reads: [...new Set(parts.flatMap((p) => p.reads))],
      writes: [...new Set(parts.flatMap((p) => p.writes))],
      rules: parts.flatMap((p) => p.rules),
    };
    memo.set(name, found);
    return found;
  };
  return composites.map((composite) => {
    const { reads, writes, rules } = reach(composite.name, new Set());
    return { ...composite, reads, writes, ...requiredAccess(rules) };
  });
}

/**
 * The tools and pipelines that write: insert tools, and pipelines with a step that calls one,
 * through any depth of pipelines (a cycle, reported elsewhere, adds nothing). Known from the
 * file alone, before any pipeline is analyzed, since a writing pipeline's params depend on it.
 */
function writingCallables(file: PipelineFile): Set<string> {
  const writers = new Set(
    Object.entries(file.tools ?? {})
      .filter(([, tool]) => tool.kind === 'insert')
      .map(([name]) => name),
  );
  const pipelines = Object.entries(file.pipelines ?? {});
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, pipeline] of pipelines) {
      if (writers.has(name) || name in (file.tools ?? {})) continue;
      if (Object.values(pipeline.steps).some((step) => writers.has(step.tool))) {
        writers.add(name);
        changed = true;
      }
    }
  }
  return writers;
}

interface Scope {
  reporter: Reporter;
  pipeline: string;
  params: ParamIR[];
  section: PipelineSection;
  stepIds: string[];
  outputs: OutputTypes;
}

/** Parses an argument and checks that each reference names a param, a step and a field that exist. */
function readArgument(scope: Scope, at: DocPath, raw: unknown): ArgIR | undefined {
  const { reporter } = scope;
  const parsed = parseArgument(raw);
  if (!parsed.ok) {
    reporter.error('MCPC_REF_BAD_EXPRESSION', at, parsed.message);
    return undefined;
  }
  let valid = true;
  for (const ref of referencesOf(parsed.arg)) {
    if (ref.kind === 'param') {
      if (!scope.params.some((p) => p.name === ref.name)) {
        reporter.error(
          'MCPC_REF_UNKNOWN_PARAM',
          at,
          `\${params.${ref.name}}: pipeline '${scope.pipeline}' has no param '${ref.name}'${didYouMean(
            ref.name,
            scope.params.map((p) => p.name),
          )}`,
        );
        valid = false;
      }
    } else if (!scope.stepIds.includes(ref.step)) {
      reporter.error(
        'MCPC_REF_UNKNOWN_STEP',
        at,
        `\${steps.${ref.step}...}: pipeline '${scope.pipeline}' has no step '${ref.step}'${didYouMean(ref.step, scope.stepIds)}`,
      );
      valid = false;
    } else if (typeOfReference(scope, at, ref) === null) {
      valid = false;
    }
  }
  return valid ? parsed.arg : undefined;
}

/**
 * The JSON Schema of a reference's value: undefined when it cannot be known (the callee was not
 * analyzed), null after reporting a field that does not exist.
 */
function typeOfReference(
  scope: Scope,
  at: DocPath,
  ref: { kind: 'param'; name: string } | { kind: 'step'; step: string; fields: string[] },
): JsonSchema | undefined | null {
  if (ref.kind === 'param') return scope.params.find((p) => p.name === ref.name)?.schema;
  const target = scope.section.steps[ref.step]?.tool;
  let schema = target === undefined ? undefined : scope.outputs.of(target);
  const walked: string[] = [];
  for (const field of ref.fields) {
    if (!schema) return undefined;
    if (/^[0-9]+$/.test(field)) {
      // An index into a list (`rows.0`): its items' type.
      if (declaredType(schema) !== 'array') {
        const owner = walked.length === 0 ? `the output of step '${ref.step}' (${target})` : `steps.${ref.step}.${walked.join('.')}`;
        scope.reporter.error(
          'MCPC_REF_UNKNOWN_FIELD',
          at,
          `\${steps.${ref.step}.${[...walked, field].join('.')}}: ${owner} is not a list, so it has no item ${field}`,
        );
        return null;
      }
      walked.push(field);
      schema = schema.items as JsonSchema | undefined;
      continue;
    }
    const properties = schema.properties as Record<string, JsonSchema> | undefined;
    // An object whose fields are not known (a result without a catalog): nothing to check.
    if (!properties) return undefined;
    const next = properties[field];
    if (!next) {
      const available = Object.keys(properties ?? {});
      const owner = walked.length === 0 ? `the output of step '${ref.step}' (${target})` : `steps.${ref.step}.${walked.join('.')}`;
      const has = available.length > 0 ? `; it has ${available.join(', ')}` : '';
      scope.reporter.error(
        'MCPC_REF_UNKNOWN_FIELD',
        at,
        `\${steps.${ref.step}.${[...walked, field].join('.')}}: ${owner} has no field '${field}'${didYouMean(field, available)}${has}`,
      );
      return null;
    }
    walked.push(field);
    schema = next;
  }
  return schema;
}

function checkArgument(scope: Scope, at: DocPath, callee: string, params: ParamIR[], argName: string, arg: ArgIR): void {
  const { reporter } = scope;
  const param = params.find((p) => p.name === argName);
  if (!param) {
    reporter.error(
      'MCPC_STEP_ARG_UNKNOWN',
      at,
      `'${callee}' has no param '${argName}'${didYouMean(
        argName,
        params.map((p) => p.name),
      )}; ${params.length === 0 ? 'it takes no arguments' : `it takes ${params.map((p) => `'${p.name}'`).join(', ')}`}`,
      { part: 'key' },
    );
    return;
  }
  if (arg.kind === 'literal') {
    const { default: _ignored, ...schema } = param.schema;
    const validate = validatorFor(schema);
    if (!validate(structuredClone(arg.value))) {
      const why = (validate.errors ?? []).map((e) => explainArgError(e, schema)).join('; ');
      reporter.error('MCPC_STEP_ARG_TYPE', at, `'${argName}' of '${callee}' does not accept ${JSON.stringify(arg.value)}: ${why.replace(/^arguments /, '')}`);
    }
    return;
  }
  const expected = declaredType(param.schema);
  if (arg.kind === 'step' && (expected === 'integer' || expected === 'number')) {
    // 64-bit integers and decimals come back as text, exact; a param taking a number gets the number.
    const source = typeOfReference(scope, at, arg);
    const text = source ? numberTextKind(source) : undefined;
    if (text === 'integer' || (text === 'decimal' && expected === 'number')) {
      arg.asNumber = true;
      return;
    }
  }
  if (arg.kind === 'step' || arg.kind === 'param') {
    // A value passed whole: its schema against the param's, field by field.
    const source = typeOfReference(scope, at, arg);
    const { default: _ignored, ...target } = param.schema;
    const ref = arg.kind === 'param' ? `\${params.${arg.name}}` : `\${steps.${[arg.step, ...arg.fields].join('.')}}`;
    for (const found of source ? mismatches(source, target) : []) {
      const message = `'${argName}' of '${callee}': ${ref}${found.path} ${found.problem}`;
      if (found.severity === 'error') reporter.error('MCPC_STEP_ARG_TYPE', at, message);
      else reporter.warning('MCPC_STEP_ARG_RANGE', at, message);
    }
    return;
  }
  const actual = valueType(scope, at, arg);
  if (expected && actual && !(actual === expected || (expected === 'number' && actual === 'integer'))) {
    reporter.error('MCPC_STEP_ARG_TYPE', at, `'${argName}' of '${callee}' takes ${expected}, but this passes ${actual}`);
  }
}

/** The JSON type an argument evaluates to, when it can be known. */
function valueType(scope: Scope, at: DocPath, arg: ArgIR): string | undefined {
  switch (arg.kind) {
    case 'literal':
      return jsonTypeOf(arg.value);
    case 'template':
      return 'string';
    case 'list':
      return 'array';
    case 'object':
      return 'object';
    case 'param':
    case 'step': {
      const schema = typeOfReference(scope, at, arg);
      return schema ? declaredType(schema) : undefined;
    }
  }
}

/** Output schemas of tools and pipelines, computed on demand; a pipeline in a cycle has none. */
class OutputTypes {
  private readonly memo = new Map<string, JsonSchema | undefined>();
  private readonly visiting = new Set<string>();

  constructor(
    private readonly file: PipelineFile,
    private readonly tools: ReadonlyMap<string, ToolIR>,
  ) {}

  of(name: string): JsonSchema | undefined {
    if (this.file.tools?.[name]) return this.tools.get(name)?.outputSchema;
    if (this.memo.has(name)) return this.memo.get(name);
    if (this.visiting.has(name)) return undefined;
    this.visiting.add(name);
    const pipeline = this.file.pipelines?.[name];
    let schema: JsonSchema | undefined;
    if (pipeline) {
      // Its output, or its last step's result (see analyzeComposite), then made an object the same way.
      const parsed = pipeline.output === undefined ? undefined : parseArgument(pipeline.output);
      const arg = parsed === undefined ? { kind: 'step', step: Object.keys(pipeline.steps).at(-1)!, fields: [] } : parsed.ok ? parsed.arg : undefined;
      if (arg?.kind === 'step') {
        const stepTool = pipeline.steps[arg.step]?.tool;
        schema = stepTool === undefined ? undefined : this.of(stepTool);
        for (const field of arg.fields) schema = (schema?.properties as Record<string, JsonSchema> | undefined)?.[field];
      }
      schema = asStructured(schema).schema;
    }
    this.visiting.delete(name);
    this.memo.set(name, schema);
    return schema;
  }
}
