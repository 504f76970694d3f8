import type { WriterFunction } from 'ts-morph';
import type { ArgSpec, StepSpec } from '../../runtime/contract/spec.js';
import type { ArgIR, CompositeIR, StepIR } from '../analyze/ir.js';
import { camelCase, constant, escapeDoc, value, writeObject, type Entry } from './typescript-writer.js';
import { accessEntries, budgetEntries, type WrittenTool } from './tools/writer.js';

/**
 * A composite pipeline as generated code: declared with `mcpc.pipelineTool`, its steps in an order
 * where each follows those it waits for, every argument as data the runtime evaluates per call.
 */
export function writePipeline(pipeline: CompositeIR): WrittenTool {
  const variable = `${camelCase(pipeline.identifier)}Pipeline`;
  const statement: WriterFunction = constant(escapeDoc(pipeline.description), `export const ${variable} = mcpc.pipelineTool(`, (w) => {
    writeObject(w, [
      ['name', value(pipeline.name)],
      ...(pipeline.title === undefined ? [] : [['title', value(pipeline.title)] as Entry]),
      ['description', value(pipeline.description)],
      ['reads', value(pipeline.reads)],
      ...(pipeline.writes.length === 0 ? [] : [['writes', value(pipeline.writes)] as Entry]),
      ...budgetEntries(pipeline),
      ...accessEntries(pipeline),
      ['inputSchema', value(pipeline.inputSchema)],
      ['steps', value(pipeline.steps.map(stepSpec))],
      ['output', value(argSpec(pipeline.output))],
      ['outputSchema', value(pipeline.outputSchema)],
      ['maxConcurrentSteps', value(pipeline.maxConcurrentSteps)],
    ]);
    w.write(')');
  });
  return { statements: [statement], variable };
}

function stepSpec(step: StepIR): StepSpec {
  return {
    id: step.id,
    call: step.target.name,
    with: Object.fromEntries(Object.entries(step.args).map(([name, arg]) => [name, argSpec(arg)])),
    after: [...new Set([...step.dependsOn, ...step.after])].sort(),
    timeoutS: step.timeoutS,
    ...(step.writes ? { writes: true as const } : {}),
  };
}

/** An argument as the runtime evaluates it. */
function argSpec(arg: ArgIR): ArgSpec {
  switch (arg.kind) {
    case 'literal':
      return { literal: arg.value };
    case 'param':
      return { param: arg.name };
    case 'step':
      return { step: arg.step, fields: arg.fields, ...(arg.asNumber ? { asNumber: true } : {}) };
    case 'template':
      return {
        template: arg.parts.map((part) =>
          typeof part === 'string' ? part : part.kind === 'param' ? { param: part.name } : { step: part.step, fields: part.fields },
        ),
      };
    case 'list':
      return { list: arg.items.map(argSpec) };
    case 'object':
      return { object: Object.fromEntries(Object.entries(arg.entries).map(([key, item]) => [key, argSpec(item)])) };
  }
}
