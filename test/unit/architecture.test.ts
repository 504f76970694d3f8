import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';

/** Every TypeScript module of the compiler and runtime, with the project modules it imports. */
function moduleGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  for (const file of [...walk(join(repoRoot, 'compiler')), ...walk(join(repoRoot, 'runtime'))]) {
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
    graph.set(
      relative(repoRoot, file),
      specifiers.map((s) => relative(repoRoot, resolve(dirname(file), s)).replace(/\.js$/, '.ts')),
    );
  }
  return graph;
}

const PHASES = ['parse', 'validate', 'analyze', 'graph', 'emit', 'cli'];
const phaseOf = (file: string) => PHASES.indexOf(file.split('/')[1] ?? '');

describe('architecture', () => {
  const graph = moduleGraph();

  it('keeps the runtime independent of the compiler', () => {
    const offenders = [...graph].filter(([file, deps]) => file.startsWith('runtime/') && deps.some((d) => d.startsWith('compiler/')));
    expect(offenders).toEqual([]);
  });

  // runtime/contract/ is the one part of the runtime the compiler may use, by design: the shapes a
  // generated server holds, the argument validator both must agree on, the visibility rule and the
  // result shapes of each kind. It stands alone, so importing it pulls in no server code.
  it('lets the compiler import from the runtime only its contract', () => {
    const offenders = [...graph].flatMap(([file, deps]) =>
      file.startsWith('compiler/') ? deps.filter((d) => d.startsWith('runtime/') && !d.startsWith('runtime/contract/')).map((d) => `${file} -> ${d}`) : [],
    );
    expect(offenders).toEqual([]);
    const uses = [...graph].filter(([file, deps]) => file.startsWith('compiler/') && deps.some((d) => d.startsWith('runtime/contract/')));
    expect(uses.length).toBeGreaterThan(0);
  });

  it('keeps the runtime contract free of other runtime modules', () => {
    const offenders = [...graph].flatMap(([file, deps]) =>
      file.startsWith('runtime/contract/') ? deps.filter((d) => !d.startsWith('runtime/contract/')).map((d) => `${file} -> ${d}`) : [],
    );
    expect(offenders).toEqual([]);
  });

  it('lets data flow one way through the phases: no phase imports a later one', () => {
    const offenders: string[] = [];
    for (const [file, deps] of graph) {
      if (!file.startsWith('compiler/') || phaseOf(file) < 0) continue;
      for (const dep of deps) if (dep.startsWith('compiler/') && phaseOf(dep) > phaseOf(file)) offenders.push(`${file} -> ${dep}`);
    }
    expect(offenders).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('resolves every relative import to a module that exists', () => {
    const missing = [...graph].flatMap(([file, deps]) => deps.filter((d) => !graph.has(d) && !d.endsWith('.json')).map((d) => `${file} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('never writes to stdout from the runtime, which carries the protocol on stdio', () => {
    const offenders = [...graph.keys()].filter(
      (file) => file.startsWith('runtime/') && /console\.(log|info|debug)\(/.test(readFileSync(join(repoRoot, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
