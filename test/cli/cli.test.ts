import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mcpcBin, outsideDir, repoRoot, scratchDir } from '../support/paths.js';

function mcpc(...args: string[]) {
  return mcpcIn(repoRoot, ...args);
}

function mcpcIn(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [mcpcBin, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A user error must never show a stack trace. */
function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe('mcpc command line', () => {
  it('prints help and its version', () => {
    const help = mcpc('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('mcpc build FILE...');
    expect(help.stdout).toContain('mcpc dev FILE');
    expect(help.stdout).toContain('[--reseed]');
    expect(help.stdout).toContain('mcpc graph FILE [--format F]');
    const version = mcpc('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
  });

  it('answers --help and --version without loading the compiler and its libraries', () => {
    const main = pathToFileURL(join(repoRoot, 'dist', 'compiler', 'cli', 'main.js')).href;
    const script = `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(main)});
      for (const flag of ['--help', '--version']) await main([flag], { stdout() {}, stderr() {} });
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(loaded.filter((path) => /[\\\\/]node_modules[\\\\/](ts-morph|typescript|yaml|ajv|chdb)[\\\\/]/.test(path)).join('\\n'));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('');
  });

  it('exits 2 with usage on wrong usage, without a stack trace', () => {
    for (const args of [
      ['frobnicate'],
      ['build'],
      ['check', '--format', 'xml', 'x.yaml'],
      ['build', '--bogus', 'x.yaml'],
      ['dev', 'a.yaml', 'b.yaml'],
      ['build', '--format', 'json', 'x.yaml'],
      ['build', '--reseed', 'x.yaml'],
    ]) {
      const run = mcpc(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('Usage:');
      expectNoStackTrace(run.stderr);
    }
  });

  it('reports a missing file at file:1:1 and exits 1', () => {
    const run = mcpc('check', 'pipelines/nope.yaml');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("pipelines/nope.yaml:1:1: error MCPC_FILE_NOT_FOUND: pipeline file 'pipelines/nope.yaml' does not exist");
    expectNoStackTrace(run.stderr);
  });

  it('prints text diagnostics as file:line:col, code, message and a code frame', () => {
    const run = mcpc('check', 'test/fixtures/invalid/unknown-tool-in-step/pipeline.yaml');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "test/fixtures/invalid/unknown-tool-in-step/pipeline.yaml:14:24: error MCPC_REF_UNKNOWN_TOOL: step 'summary' calls 'sumarize_orders', which is not a defined tool or pipeline (did you mean 'summarize_orders'?)",
    );
    expect(run.stderr).toContain('> 14 |       summary: { tool: sumarize_orders }');
    expect(run.stderr).toMatch(/\n {5}\| {24}\^\n/); // "| " then 23 spaces: the caret sits under column 24
    expect(run.stderr).toContain('\n1 error\n');
    expectNoStackTrace(run.stderr);
  });

  it('prints JSON diagnostics for machines', () => {
    const run = mcpc('check', '--format', 'json', 'test/fixtures/invalid/unused-param/pipeline.yaml');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; line: number; col: number }>; summary: { errors: number } };
    expect(report.summary.errors).toBe(1);
    expect(report.diagnostics.find((d) => (d as { severity?: string }).severity === 'error')).toMatchObject({
      code: 'MCPC_SQL_PARAM_UNUSED',
      line: 11,
      col: 7,
      severity: 'error',
      path: 'tools.count_orders.params.region',
    });
  });

  it('reports what the build-time catalog finds as JSON with codes: an undeclared table, a misspelt column, a file() read', () => {
    const run = mcpc('check', '--format', 'json', 'test/fixtures/invalid/catalog/pipeline.yaml');
    expect(run.code).toBe(1);
    const { diagnostics } = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; file: string; line: number; path: string }> };
    const byPath = (path: string) => diagnostics.filter((d) => d.path === path).map((d) => d.code);
    expect(byPath('tools.undeclared_join.sql')).toEqual(['MCPC_SQL_READS_UNDECLARED']);
    expect(byPath('tools.misspelt_column.sql')).toEqual(['MCPC_SQL_UNKNOWN_COLUMN']);
    expect(byPath('tools.reads_a_file.sql')).toEqual(['MCPC_SQL_EXTERNAL_READ']);
    // A statement of the schema file that the engine refuses is reported in that file, at its line.
    expect(diagnostics.find((d) => d.code === 'MCPC_CATALOG_DDL_INVALID')).toMatchObject({
      file: 'test/fixtures/invalid/catalog/schema/warehouse.sql',
      line: 20,
    });
  });

  it('prints GitHub annotations for CI', () => {
    const run = mcpc('check', '--format', 'github', 'test/fixtures/invalid/unused-param/pipeline.yaml');
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toContain(
      "::error file=test/fixtures/invalid/unused-param/pipeline.yaml,line=11,col=7,title=MCPC_SQL_PARAM_UNUSED::param 'region' of tool 'count_orders' is never used in its SQL; bind it as {region:Type} or remove it",
    );
    // Warnings are annotations too (the source of this fixture has no schema).
    expect(
      lines.filter(
        (line) => line.startsWith('::warning file=test/fixtures/invalid/unused-param/pipeline.yaml,') && line.includes('title=MCPC_CATALOG_MISSING::'),
      ),
    ).toHaveLength(1);
    expect(lines).toHaveLength(2);
  });

  it('checks several files in one run and exits 0 only when all are clean', () => {
    expect(mcpc('check', 'pipelines/orders.yaml', 'test/fixtures/valid/minimal/pipeline.yaml').code).toBe(0);
    expect(mcpc('check', 'pipelines/orders.yaml', 'test/fixtures/invalid/unused-param/pipeline.yaml').code).toBe(1);
  });

  it('builds the example into <out>/<server.name>/, byte-identical twice', () => {
    const first = scratchDir('build-a');
    const second = scratchDir('build-b');
    const run = mcpc('build', 'pipelines/orders.yaml', '--out', first);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('built pipelines/orders.yaml');
    expect(mcpc('build', 'pipelines/orders.yaml', '--out', second).code).toBe(0);
    for (const file of ['server.ts', 'server.js', 'manifest.json', 'seed/warehouse.sql']) {
      expect(readFileSync(join(second, 'orders', file), 'utf8'), file).toBe(readFileSync(join(first, 'orders', file), 'utf8'));
    }
    const manifest = JSON.parse(readFileSync(join(first, 'orders', 'manifest.json'), 'utf8')) as {
      server: { name: string };
      tools: Array<{ name: string }>;
      content_hash: string;
    };
    expect(manifest.server.name).toBe('orders');
    expect(manifest.tools.map((t) => t.name)).toEqual([
      'query_orders',
      'orders_by_region',
      'summarize_orders',
      'order_events_since',
      'explore_orders',
      'notify_analytics',
    ]);
    expect(manifest.content_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('builds the same bytes whichever directory it runs from, and check --out agrees', () => {
    const out = scratchDir('build-cwd');
    expect(mcpcIn(repoRoot, 'build', 'pipelines/orders.yaml', '--out', out).code).toBe(0);
    const fromRoot = ['server.ts', 'server.js', 'manifest.json'].map((file) => readFileSync(join(out, 'orders', file), 'utf8'));
    const pipelines = join(repoRoot, 'pipelines');
    const check = mcpcIn(pipelines, 'check', 'orders.yaml', '--out', out);
    expect(check.stderr).not.toContain('MCPC_BUILD_STALE');
    expect(check.code).toBe(0);
    expect(mcpcIn(pipelines, 'build', 'orders.yaml', '--out', out).code).toBe(0);
    const fromPipelines = ['server.ts', 'server.js', 'manifest.json'].map((file) => readFileSync(join(out, 'orders', file), 'utf8'));
    expect(fromPipelines).toEqual(fromRoot);
    // What the build records is the pipeline's name, not a path that depends on where mcpc ran.
    expect(fromRoot[0]).toContain('from orders.yaml.');
    expect(JSON.parse(fromRoot[2]!).source_file).toBe('orders.yaml');
  });

  it('warns when the build goes where the runtime it imports cannot be found, and not otherwise', () => {
    const inside = mcpc('build', 'pipelines/orders.yaml', '--out', scratchDir('build-inside'));
    expect(inside.stderr).not.toContain('warning:');
    const elsewhere = join(outsideDir('build-outside'), 'out');
    const outside = mcpc('build', 'pipelines/orders.yaml', '--out', elsewhere);
    expect(outside.code).toBe(0);
    expect(outside.stderr).toContain('imports mcpc/runtime, which cannot be found from there, so the server cannot start');
    expect(outside.stderr).toContain('npm install mcpc');
    // The warning is true: that server does not start.
    const run = spawnSync(process.execPath, [join(elsewhere, 'orders', 'server.js'), '--help'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("Cannot find package 'mcpc'");
  });

  it('writes nothing when the pipeline has errors', () => {
    const out = scratchDir('build-bad');
    const run = mcpc('build', 'test/fixtures/invalid/unused-param/pipeline.yaml', '--out', out);
    expect(run.code).toBe(1);
    expect(spawnSync('ls', ['-A', out], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('fails check --out when the build on disk is stale', () => {
    const out = scratchDir('stale');
    expect(mcpc('build', 'pipelines/orders.yaml', '--out', out).code).toBe(0);
    expect(mcpc('check', 'pipelines/orders.yaml', '--out', out).code).toBe(0);
    writeFileSync(join(out, 'orders', 'server.js'), '// edited by hand\n');
    const run = mcpc('check', 'pipelines/orders.yaml', '--out', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error MCPC_BUILD_STALE');
    expect(run.stderr).toContain('(server.js)');
  });

  it('refuses two files that name the same server', () => {
    const dir = scratchDir('twins');
    cpSync(join(repoRoot, 'test/fixtures/valid/minimal/pipeline.yaml'), join(dir, 'a.yaml'));
    cpSync(join(repoRoot, 'test/fixtures/valid/minimal/pipeline.yaml'), join(dir, 'b.yaml'));
    const run = mcpc('check', join(dir, 'a.yaml'), join(dir, 'b.yaml'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/b\.yaml:2:17: error MCPC_SCHEMA_INVALID: server name 'minimal' is also used by .*a\.yaml/);
  });
});

/** The node ids a DOT graph declares and the edges it draws, after checking its braces balance outside quoted strings. */
function readDot(text: string): { nodes: string[]; edges: Array<[string, string]> } {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '{') depth++;
    else if (!quoted && c === '}') {
      depth--;
      expect(depth, `a '}' closes nothing at offset ${i}`).toBeGreaterThanOrEqual(0);
    }
  }
  expect(quoted, 'a quoted string is left open').toBe(false);
  expect(depth, 'every brace is closed').toBe(0);
  const id = '"((?:[^"\\\\]|\\\\.)*)"';
  const nodes = [...text.matchAll(new RegExp(`^\\s*${id} \\[label=`, 'gm'))].map((m) => m[1]!);
  const edges = [...text.matchAll(new RegExp(`^\\s*${id} -> ${id}`, 'gm'))].map((m): [string, string] => [m[1]!, m[2]!]);
  return { nodes, edges };
}

/** A pipeline file in a scratch directory: server `name` with one source `db`, then `lines`. */
function scratchPipeline(name: string, lines: string[]): string {
  const file = join(scratchDir(`graph-${name}`), `${name}.yaml`);
  writeFileSync(file, ['mcpc: 1', `server: { name: ${name}, version: 1.0.0 }`, 'sources: { db: { kind: clickhouse } }', ...lines, ''].join('\n'));
  return file;
}

describe('mcpc graph', () => {
  it('draws the example as Mermaid: resources, tools, the pipeline with its steps, and the edges between them', () => {
    const run = mcpc('graph', 'pipelines/orders.yaml');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('flowchart TD');
    for (const line of [
      '  resource_production_orders[("production_orders<br/>table orders")]',
      '  resource_anonymized_orders[("anonymized_orders<br/>table orders_anon")]',
      '  tool_query_orders["query_orders<br/>query tool"]',
      '  tool_orders_by_region["orders_by_region<br/>query tool"]',
      '  tool_summarize_orders["summarize_orders<br/>query tool"]',
      '  subgraph cluster_order_analytics ["pipeline order_analytics"]',
      '    pipeline_order_analytics{{"order_analytics<br/>pipeline"}}',
      '    step_order_analytics_raw("raw")',
      '    step_order_analytics_summary("summary")',
      '    pipeline_order_analytics --> step_order_analytics_raw',
      '    step_order_analytics_raw -->|"rows"| step_order_analytics_summary',
      '  end',
      '  tool_query_orders -->|"reads"| resource_production_orders',
      '  tool_orders_by_region -->|"reads"| resource_anonymized_orders',
      '  step_order_analytics_raw -->|"calls"| tool_query_orders',
      '  step_order_analytics_summary -->|"calls"| tool_summarize_orders',
    ])
      expect(lines).toContain(line);
    // Declaration order: resources, then tools, then each pipeline.
    expect(lines.indexOf('  tool_query_orders["query_orders<br/>query tool"]')).toBeLessThan(
      lines.indexOf('  tool_orders_by_region["orders_by_region<br/>query tool"]'),
    );
    expect(lines.indexOf('  resource_anonymized_orders[("anonymized_orders<br/>table orders_anon")]')).toBeLessThan(
      lines.indexOf('  tool_query_orders["query_orders<br/>query tool"]'),
    );
    expect(mcpc('graph', 'pipelines/orders.yaml', '--format', 'mermaid').stdout).toBe(run.stdout);
  });

  it('shows in the README the graph it prints for the example', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
    expect(block, 'the README has a mermaid block').not.toBeNull();
    expect(block![1]).toBe(mcpc('graph', 'pipelines/orders.yaml').stdout);
  });

  it('keeps steps in declaration order, draws a step calling a pipeline, and marks after: edges dashed', () => {
    const composites = mcpc('graph', 'test/fixtures/valid/composites/pipeline.yaml').stdout.split('\n');
    // `sum` is declared before `rows`, though it runs after it.
    expect(composites.indexOf('    step_daily_sum("sum")')).toBeGreaterThan(0);
    expect(composites.indexOf('    step_daily_sum("sum")')).toBeLessThan(composites.indexOf('    step_daily_rows("rows")'));
    expect(composites).toContain('    step_daily_rows -->|"rows"| step_daily_sum');
    expect(composites).toContain('  step_report_today -->|"calls"| pipeline_daily');

    const file = scratchPipeline('after', [
      'tools:',
      '  a.b-c: { kind: query, description: one, sql: SELECT 1 AS n }',
      '  a_b_c: { kind: query, description: two, sql: SELECT 2 AS n }',
      'pipelines:',
      '  end:',
      '    description: three',
      '    steps:',
      '      first: { tool: a.b-c }',
      '      then: { tool: a_b_c, after: [first] }',
    ]);
    const run = mcpc('graph', file);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    // Names that clean up alike get distinct ids; no id is a Mermaid keyword.
    expect(lines).toContain('  tool_a_b_c["a.b-c<br/>query tool"]');
    expect(lines).toContain('  tool_a_b_c_2["a_b_c<br/>query tool"]');
    expect(lines).toContain('  subgraph cluster_end ["pipeline end"]');
    expect(lines).toContain('    step_end_first -.->|"after"| step_end_then');
    expect(lines).toContain('  step_end_then -->|"calls"| tool_a_b_c_2');
  });

  it('prints well-formed DOT in which every edge joins declared nodes, with labels escaped', () => {
    const odd = scratchPipeline('odd', [
      `resources: { r: { source: db, database: 'x"y', table: 'a "b" {c} \\ <d>', access: anonymous } }`,
      'tools: { node: { kind: query, description: one, reads: [r], sql: SELECT 1 AS n } }',
    ]);
    const printed = new Map<string, string>();
    for (const file of ['pipelines/orders.yaml', 'test/fixtures/valid/composites/pipeline.yaml', odd]) {
      const run = mcpc('graph', file, '--format', 'dot');
      expect(run.code, file).toBe(0);
      expect(run.stdout).toMatch(/^digraph "[^"]+" \{\n/);
      const { nodes, edges } = readDot(run.stdout);
      expect(nodes.length, file).toBeGreaterThan(0);
      expect(new Set(nodes).size, `${file}: node ids are unique`).toBe(nodes.length);
      expect(edges.length, file).toBeGreaterThan(0);
      for (const [from, to] of edges) expect(nodes, `${file}: ${from} -> ${to}`).toEqual(expect.arrayContaining([from, to]));
      printed.set(file, run.stdout);
      if (file === odd) expect(run.stderr, 'warnings go to stderr, the graph is still printed').toContain('warning MCPC_CATALOG_MISSING');
    }
    const orders = printed.get('pipelines/orders.yaml')!;
    expect(orders).toContain('  subgraph "cluster_order_analytics" {\n    label="pipeline order_analytics";\n');
    expect(orders).toContain('    "step_order_analytics_raw" -> "step_order_analytics_summary" [label="rows"];\n');
    expect(orders).toContain('  "tool_query_orders" -> "resource_production_orders" [label="reads"];\n');
    expect(printed.get(odd)).toContain('"resource_r" [label="r\\ntable x\\"y.a \\"b\\" {c} \\\\ <d>", shape=cylinder];');
    expect(mcpc('graph', odd).stdout).toContain('resource_r[("r<br/>table x#34;y.a #34;b#34; {c} \\ #60;d#62;")]');
  });

  it('reports the errors of a broken file as check does, exits 1 and prints no graph', () => {
    const run = mcpc('graph', 'test/fixtures/invalid/unknown-tool-in-step/pipeline.yaml');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('pipeline.yaml:14:24: error MCPC_REF_UNKNOWN_TOOL');
    expect(run.stderr).toContain('\n1 error\n');
    expectNoStackTrace(run.stderr);
    expect(mcpc('graph', 'pipelines/nope.yaml').stderr).toContain('error MCPC_FILE_NOT_FOUND');
  });

  it('refuses a format it cannot draw, other flags and other than one file, with usage', () => {
    const bad = mcpc('graph', 'pipelines/orders.yaml', '--format', 'json');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain("mcpc: graph --format must be mermaid or dot, not 'json'");
    expect(bad.stderr).toContain('mcpc graph FILE [--format F]');
    for (const [args, message] of [
      [['graph', 'pipelines/orders.yaml', '--out', 'x'], "--out does not apply to 'graph'"],
      [['graph'], 'graph draws exactly one pipeline file'],
      [['graph', 'pipelines/orders.yaml', 'pipelines/orders.yaml'], 'graph draws exactly one pipeline file'],
    ] as const) {
      const run = mcpc(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
      expectNoStackTrace(run.stderr);
    }
  });
});
