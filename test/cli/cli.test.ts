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
    expect(manifest.tools.map((t) => t.name)).toEqual(['query_orders', 'orders_by_region', 'summarize_orders', 'notify_analytics']);
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
