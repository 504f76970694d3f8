import graphology from 'graphology';
import { stronglyConnectedComponents } from 'graphology-components';
import type { DocPath, RelatedLocation } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../diagnostics/reporter.js';
import type { CompositeIR, ServerIR } from '../analyze/ir.js';

const { DirectedGraph } = graphology;

interface EdgeAttributes {
  /** Where the edge is written: the step that makes the call or reads the output. */
  at: DocPath;
  description: string;
}

type CallGraph = InstanceType<typeof DirectedGraph<Record<string, never>, EdgeAttributes>>;

/**
 * Builds the graph of which pipeline calls which tool or pipeline, and each pipeline's graph of
 * steps reading each other's output. Any cycle is one diagnostic naming the whole loop, with a
 * related location for every edge. Returns the IR with each pipeline's steps in execution
 * order (dependencies first, declaration order among independent steps).
 */
export function checkGraphs(reporter: Reporter, ir: ServerIR): ServerIR {
  const calls: CallGraph = new DirectedGraph();
  for (const composite of ir.pipelines) {
    calls.mergeNode(composite.name);
    for (const step of composite.steps) {
      calls.mergeNode(step.target.name);
      if (!calls.hasEdge(composite.name, step.target.name)) {
        calls.addEdge(composite.name, step.target.name, {
          at: [...step.at, 'tool'],
          description: `'${composite.name}' calls '${step.target.name}' in step '${step.id}'`,
        });
      }
    }
  }
  for (const cycle of findCycles(calls)) {
    reporter.error(
      'MCPC_GRAPH_CYCLE',
      edgeAt(calls, cycle, 0),
      `pipelines call each other in a loop: ${cycle.join(' -> ')}; a pipeline cannot (even indirectly) call itself`,
      {
        related: relatedEdges(reporter, calls, cycle),
      },
    );
  }

  const pipelines = ir.pipelines.map((composite) => orderSteps(reporter, composite));
  return { ...ir, pipelines };
}

function orderSteps(reporter: Reporter, composite: CompositeIR): CompositeIR {
  const steps: CallGraph = new DirectedGraph();
  for (const step of composite.steps) steps.mergeNode(step.id);
  for (const step of composite.steps) {
    for (const dependency of step.dependsOn) {
      steps.mergeNode(dependency);
      steps.mergeEdge(step.id, dependency, { at: [...step.at, 'with'], description: `step '${step.id}' reads the output of '${dependency}'` });
    }
    for (const [index, earlier] of step.after.entries()) {
      steps.mergeNode(earlier);
      if (!steps.hasEdge(step.id, earlier))
        steps.addEdge(step.id, earlier, { at: [...step.at, 'after', index], description: `step '${step.id}' runs after '${earlier}'` });
    }
  }
  const cycles = findCycles(steps);
  for (const cycle of cycles) {
    reporter.error(
      'MCPC_GRAPH_STEP_CYCLE',
      edgeAt(steps, cycle, 0),
      `steps of pipeline '${composite.name}' wait for each other in a loop: ${cycle.join(' -> ')}`,
      {
        related: relatedEdges(reporter, steps, cycle),
      },
    );
  }
  if (cycles.length > 0) return composite;

  // Kahn's algorithm, always taking the earliest-declared ready step, so the order is stable.
  const remaining = new Map(composite.steps.map((s) => [s.id, new Set([...s.dependsOn, ...s.after])]));
  const ordered: CompositeIR['steps'] = [];
  while (remaining.size > 0) {
    const ready = composite.steps.find((s) => remaining.get(s.id)?.size === 0);
    if (!ready) throw new Error(`mcpc internal error: no ready step in acyclic pipeline '${composite.name}'`);
    ordered.push(ready);
    remaining.delete(ready.id);
    for (const deps of remaining.values()) deps.delete(ready.id);
  }
  return { ...composite, steps: ordered };
}

/**
 * One cycle per strongly connected component (a self-loop counts), as the shortest loop through
 * the component's alphabetically first node, closed: `['a', 'b', 'c', 'a']`.
 */
function findCycles(graph: CallGraph): string[][] {
  const cycles: string[][] = [];
  for (const component of stronglyConnectedComponents(graph)) {
    const start = [...component].sort()[0]!;
    if (component.length === 1 && !graph.hasEdge(start, start)) continue;
    const members = new Set(component);
    cycles.push(shortestLoop(graph, start, members));
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

function shortestLoop(graph: CallGraph, start: string, members: Set<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...graph.outNeighbors(node)].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        for (let at = node; at !== start; ) {
          at = previous.get(at)!;
          path.unshift(at);
        }
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  throw new Error(`mcpc internal error: no loop through '${start}' in its own component`);
}

function edgeAt(graph: CallGraph, cycle: string[], index: number): DocPath {
  return graph.getEdgeAttributes(graph.edge(cycle[index]!, cycle[index + 1]!)!).at;
}

function relatedEdges(reporter: Reporter, graph: CallGraph, cycle: string[]): RelatedLocation[] {
  return cycle.slice(0, -1).map((_, index) => {
    const attributes = graph.getEdgeAttributes(graph.edge(cycle[index]!, cycle[index + 1]!)!);
    return { message: attributes.description, ...reporter.where(attributes.at) };
  });
}
