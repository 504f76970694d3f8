import { referencesOf } from '../analyze/expressions.js';
import type { CompositeIR, ServerIR, StepIR, ToolIR } from '../analyze/ir.js';

export type DiagramFormat = 'mermaid' | 'dot';

type Shape = 'resource' | 'tool' | 'pipeline' | 'step';

interface DiagramNode {
  /** Safe in both formats: letters, digits and `_`, starting with a letter. */
  id: string;
  /** Lines of the label, as written in the pipeline (escaped when rendered). */
  label: string[];
  shape: Shape;
}

interface DiagramEdge {
  from: string;
  to: string;
  label?: string;
  dashed?: true;
}

/** A pipeline: its node and its steps, drawn as one box. */
interface Cluster {
  id: string;
  label: string;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

interface Diagram {
  nodes: DiagramNode[];
  clusters: Cluster[];
  edges: DiagramEdge[];
}

/**
 * The pipeline file as a DAG, for `mcpc graph`: resources, tools, and each pipeline with its
 * steps. Edges: a pipeline to the steps it starts with (those that wait for none), a step to the
 * steps that wait for it (solid, labelled with the fields they read of its result; dashed for
 * `after:`), a step to the tool or pipeline it calls, a tool to the resources it reads or writes.
 * Everything is in declaration order, so the same file always prints the same text.
 */
export function renderDiagram(ir: ServerIR, format: DiagramFormat): string {
  const diagram = buildDiagram(ir);
  return format === 'mermaid' ? renderMermaid(diagram) : renderDot(ir.name, diagram);
}

function buildDiagram(ir: ServerIR): Diagram {
  const ids = new IdAllocator();
  const resources = new Map<string, string>();
  const callables = new Map<string, string>();
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  for (const resource of ir.resources) {
    const id = ids.allocate('resource', resource.name);
    resources.set(resource.name, id);
    nodes.push({ id, label: [resource.name, `table ${resource.database === undefined ? '' : `${resource.database}.`}${resource.table}`], shape: 'resource' });
  }
  for (const tool of ir.tools) {
    const id = ids.allocate('tool', tool.name);
    callables.set(tool.name, id);
    nodes.push({ id, label: [tool.name, `${tool.kind} tool`], shape: 'tool' });
    for (const name of tool.reads) edges.push({ from: id, to: known(resources, name, 'resource'), label: 'reads' });
    for (const name of writesOf(tool)) edges.push({ from: id, to: known(resources, name, 'resource'), label: 'writes' });
  }
  // Every pipeline gets its id before any step is drawn: a step may call a pipeline declared after it.
  for (const composite of ir.pipelines) callables.set(composite.name, ids.allocate('pipeline', composite.name));
  const clusters = ir.pipelines.map((composite) => pipelineCluster(composite, ids, callables, edges));
  return { nodes, clusters, edges };
}

function pipelineCluster(composite: CompositeIR, ids: IdAllocator, callables: Map<string, string>, calls: DiagramEdge[]): Cluster {
  const pipelineId = known(callables, composite.name, 'pipeline');
  const stepIds = new Map(composite.steps.map((step) => [step.id, ids.allocate('step', `${composite.name}_${step.id}`)]));
  const nodes: DiagramNode[] = [{ id: pipelineId, label: [composite.name, 'pipeline'], shape: 'pipeline' }];
  const edges: DiagramEdge[] = [];
  for (const step of composite.steps) {
    const id = known(stepIds, step.id, 'step');
    nodes.push({ id, label: [step.id], shape: 'step' });
    if (step.dependsOn.length === 0 && step.after.length === 0) edges.push({ from: pipelineId, to: id });
  }
  // A step's incoming edges, from the steps it waits for in their declaration order.
  for (const step of composite.steps) {
    const id = known(stepIds, step.id, 'step');
    const read = fieldsRead(step);
    for (const earlier of composite.steps) {
      const from = known(stepIds, earlier.id, 'step');
      const fields = read.get(earlier.id);
      if (fields !== undefined) edges.push({ from, to: id, label: fields.join(', ') });
      else if (step.after.includes(earlier.id)) edges.push({ from, to: id, label: 'after', dashed: true });
    }
    calls.push({ from: id, to: known(callables, step.target.name, step.target.kind), label: 'calls' });
  }
  return { id: ids.allocate('cluster', composite.name), label: `pipeline ${composite.name}`, nodes, edges };
}

/** The steps a step reads, each with the fields it reads of it (`rows`; `result` for the whole result). */
function fieldsRead(step: StepIR): Map<string, string[]> {
  const read = new Map<string, string[]>();
  for (const arg of Object.values(step.args)) {
    for (const ref of referencesOf(arg)) {
      if (ref.kind !== 'step' || !step.dependsOn.includes(ref.step)) continue;
      const field = ref.fields.length === 0 ? 'result' : ref.fields.join('.');
      const fields = read.get(ref.step) ?? [];
      if (!fields.includes(field)) fields.push(field);
      read.set(ref.step, fields);
    }
  }
  return read;
}

/** The resources a tool writes: an insert tool's one; none for the kinds that only read. */
function writesOf(tool: ToolIR): string[] {
  return tool.kind === 'insert' ? tool.writes : [];
}

function known(ids: ReadonlyMap<string, string>, name: string, what: string): string {
  const id = ids.get(name);
  if (id === undefined) throw new Error(`mcpc internal error: graph names ${what} '${name}', which has no node`);
  return id;
}

/**
 * Node ids safe in Mermaid and DOT: a kind prefix (so no id is a keyword such as `end`, and none
 * starts with the `o` or `x` Mermaid reads as an edge end), then the name with every character
 * but letters, digits and `_` replaced by `_`; names that end up alike get `_2`, `_3`, ... in
 * declaration order.
 */
class IdAllocator {
  private readonly used = new Set<string>();

  allocate(prefix: string, name: string): string {
    const base = `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    return id;
  }
}

const MERMAID_SHAPES: Record<Shape, [string, string]> = {
  resource: ['[(', ')]'],
  tool: ['[', ']'],
  pipeline: ['{{', '}}'],
  step: ['(', ')'],
};

function renderMermaid(diagram: Diagram): string {
  const node = (n: DiagramNode, indent: string) => {
    const [open, close] = MERMAID_SHAPES[n.shape];
    return `${indent}${n.id}${open}"${n.label.map(mermaidText).join('<br/>')}"${close}`;
  };
  const edge = (e: DiagramEdge, indent: string) =>
    `${indent}${e.from} ${e.dashed ? '-.->' : '-->'}${e.label === undefined ? '' : `|"${mermaidText(e.label)}"|`} ${e.to}`;
  const lines = ['flowchart TD', ...diagram.nodes.map((n) => node(n, '  '))];
  for (const cluster of diagram.clusters) {
    lines.push(`  subgraph ${cluster.id} ["${mermaidText(cluster.label)}"]`);
    lines.push(...cluster.nodes.map((n) => node(n, '    ')), ...cluster.edges.map((e) => edge(e, '    ')));
    lines.push('  end');
  }
  lines.push(...diagram.edges.map((e) => edge(e, '  ')));
  return `${lines.join('\n')}\n`;
}

/** Text inside a quoted Mermaid label: the characters that could end it or be read as markup, as entity codes. */
function mermaidText(text: string): string {
  return text.replace(/[#"<>|`&\r\n]/g, (c) => (c === '\r' || c === '\n' ? ' ' : `#${c.charCodeAt(0)};`));
}

const DOT_SHAPES: Record<Shape, string> = {
  resource: 'shape=cylinder',
  tool: 'shape=box',
  pipeline: 'shape=hexagon',
  step: 'shape=box, style=rounded',
};

function renderDot(name: string, diagram: Diagram): string {
  const node = (n: DiagramNode, indent: string) => `${indent}${dotId(n.id)} [label=${dotString(n.label.join('\n'))}, ${DOT_SHAPES[n.shape]}];`;
  const edge = (e: DiagramEdge, indent: string) => {
    const attributes = [...(e.label === undefined ? [] : [`label=${dotString(e.label)}`]), ...(e.dashed ? ['style=dashed'] : [])];
    return `${indent}${dotId(e.from)} -> ${dotId(e.to)}${attributes.length === 0 ? '' : ` [${attributes.join(', ')}]`};`;
  };
  const lines = [`digraph ${dotString(name)} {`, '  rankdir=TB;', ...diagram.nodes.map((n) => node(n, '  '))];
  for (const cluster of diagram.clusters) {
    lines.push(`  subgraph ${dotId(cluster.id)} {`, `    label=${dotString(cluster.label)};`);
    lines.push(...cluster.nodes.map((n) => node(n, '    ')), ...cluster.edges.map((e) => edge(e, '    ')));
    lines.push('  }');
  }
  lines.push(...diagram.edges.map((e) => edge(e, '  ')), '}');
  return `${lines.join('\n')}\n`;
}

/** Ids are already safe; quoting them too keeps DOT keywords (`node`, `edge`, `graph`) out of the way. */
function dotId(id: string): string {
  return `"${id}"`;
}

/** A DOT double-quoted string; a newline becomes `\n`, a line break in the label. */
function dotString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n')}"`;
}
