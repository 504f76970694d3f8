import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { renderDiagnostics, summarize, type DiagnosticFormat } from '../diagnostics/render.js';
import { SqlChecker } from '../analyze/sql-checker.js';
import type { BuildOutput } from '../emit/emit.js';
import { RUNTIME_MODULE } from '../emit/server-source.js';
import { compileServerSource } from './compile-server.js';
import { renderDiagram, type DiagramFormat } from '../graph/diagram.js';
import { analyzeFile, compileFile, displayPath, type AnalyzedFile, type CompiledFile } from './compile-file.js';
import { bumpBetween, covers, diffManifests, requiredBump } from '../contracts/diff.js';
import { liveDdl } from '../contracts/drift.js';
import { readLiveTables, schemaText, type LiveConnection, type LiveFilter, type LiveTable } from '../contracts/live-source.js';
import { scaffoldPipeline } from '../contracts/scaffold.js';
import { renderToolListCosts, TOKEN_ESTIMATOR, toolListCosts } from '../contracts/token-cost.js';
import { loadContract, type LoadedContract } from '../contracts/load.js';
import { buildManifest, type Manifest } from '../emit/manifest.js';
import { InternalError } from './internal-error.js';
import { runtimeResolvesFrom } from './runtime-reach.js';
import { resolveOut, staleFiles, writeBuild } from './output-files.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Compiles every file with one shared SQL checker (the engine starts once per run). */
async function compileAll(files: readonly string[], outRoot: string): Promise<CompiledFile[]> {
  const sql = await SqlChecker.open();
  try {
    const results: CompiledFile[] = [];
    for (const file of files) results.push(await compileFile(file, sql, { outRoot }));
    return results;
  } finally {
    sql.close();
  }
}

/**
 * `mcpc build`: compile, type-check what was generated, write `<out>/<server.name>/`; with
 * `bundle`, also a self-contained `server.mjs` with its `package.json` and `Dockerfile`.
 */
export async function buildCommand(files: readonly string[], outRoot: string, io: Io, options: { bundle?: boolean } = {}): Promise<number> {
  const results = await compileAll(files, outRoot);
  const diagnostics = results.flatMap((r) => r.diagnostics);
  claimDirectories(results, diagnostics);
  report(diagnostics, 'text', results, io);
  if (hasErrors(diagnostics)) return 1;

  for (const result of results) {
    const dir = join(outRoot, result.ir!.name);
    const output = withServerJs(result.file, result.output!);
    // The bundler (esbuild) is loaded only for --bundle.
    const bundling = options.bundle ? await import('./bundle-build.js') : undefined;
    const bundled = bundling && (await bundling.deployableBuild(result, output));
    if (bundled && 'problem' in bundled) {
      io.stderr(`mcpc build --bundle: ${bundled.problem}\n`);
      return 1;
    }
    writeBuild(dir, bundled ? new Map([...output, ...bundled.files]) : output);
    const { tools, pipelines, resources } = result.ir!;
    const counts = [
      plural(tools.length, 'tool'),
      ...(pipelines.length > 0 ? [plural(pipelines.length, 'pipeline')] : []),
      plural(resources.length, 'resource'),
    ];
    io.stderr(`built ${result.file} → ${displayPath(dir)}/ (${counts.join(', ')})\n`);
    if (bundling && bundled) io.stderr(bundling.finishBundle(dir, bundled));
    else if (existsSync(join(dir, 'server.mjs')))
      io.stderr(
        `warning: ${displayPath(dir)}/server.mjs is from an earlier \`mcpc build --bundle\` and does not serve this build; build with --bundle again\n`,
      );
    if (!bundled && !runtimeResolvesFrom(dir)) {
      io.stderr(
        `warning: ${displayPath(dir)}/server.js imports ${RUNTIME_MODULE}, which cannot be found from there, so the server cannot start; ` +
          `build into a project that depends on mcpc (npm install mcpc), or install mcpc where the build goes\n`,
      );
    }
  }
  return 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * `mcpc check`: every diagnostic, nothing written; with `--out`, also fail when a build on disk is
 * stale; with `--against OLD`, also fail when `server.version` is not bumped as far as the changes
 * since OLD need.
 */
export async function checkCommand(files: readonly string[], format: DiagnosticFormat, outRoot: string | undefined, io: Io, against?: string): Promise<number> {
  const results = await compileAll(files, outRoot ?? resolveOut(undefined));
  const diagnostics = results.flatMap((r) => r.diagnostics);
  if (against !== undefined && results[0]?.ir && !hasErrors(diagnostics)) {
    const problem = await versionGate(results[0], against);
    if (problem) diagnostics.push(problem);
  }
  claimDirectories(results, diagnostics);
  const costs = toolListReports(results, diagnostics);
  if (outRoot !== undefined) {
    for (const result of results) {
      if (!result.output || !result.ir) continue;
      const dir = join(outRoot, result.ir.name);
      const stale = staleFiles(dir, withServerJs(result.file, result.output));
      if (stale.length > 0) {
        diagnostics.push({
          code: 'MCPC_BUILD_STALE',
          severity: 'error',
          message: `the build in ${displayPath(dir)}/ is out of date (${stale.join(', ')}); run \`mcpc build ${result.file} --out ${outRoot}\``,
          path: '(document)',
          file: result.file,
          line: 1,
          col: 1,
        });
      }
    }
  }
  report(diagnostics, format, results, io);
  if (format === 'text') for (const text of costs) io.stderr(text);
  if (format === 'text' && !hasErrors(diagnostics)) io.stderr(`checked ${files.length} ${files.length === 1 ? 'file' : 'files'}: no errors\n`);
  return hasErrors(diagnostics) ? 1 : 0;
}

/**
 * What each file's tools/list costs a model per caller view (text for the report), and a warning
 * at `server.tool_budget_tokens` for each view above it.
 */
function toolListReports(results: readonly CompiledFile[], diagnostics: Diagnostic[]): string[] {
  return results.flatMap((result) => {
    if (!result.ir || hasErrors(result.diagnostics)) return [];
    const costs = toolListCosts(result.ir);
    const budget = result.ir.toolBudgetTokens;
    for (const cost of costs) {
      if (budget === undefined || cost.tokens <= budget) continue;
      diagnostics.push({
        code: 'MCPC_TOOL_BUDGET',
        severity: 'warning',
        message: `the tools/list a caller '${cost.caller}' reads is about ${cost.tokens} tokens (${cost.tools} tools; estimated as ${TOKEN_ESTIMATOR}), over tool_budget_tokens ${budget}`,
        hint: 'shorten descriptions, split the server, or hide tools behind scopes; the model reads this list on every turn',
        path: 'server.tool_budget_tokens',
        ...(result.toolBudgetAt ?? { file: result.file, line: 1, col: 1 }),
      });
    }
    return [renderToolListCosts(result.file, costs, budget)];
  });
}

/** The `check --against` gate: a diagnostic at `server.version` when the changes since OLD need a bigger bump. */
async function versionGate(result: CompiledFile, against: string): Promise<Diagnostic | undefined> {
  const sql = await SqlChecker.open();
  let old: LoadedContract;
  try {
    old = await loadContract(against, sql);
  } finally {
    sql.close();
  }
  const at = { path: 'server.version', ...(result.serverVersionAt ?? { file: result.file, line: 1, col: 1 }) };
  if ('problem' in old) return { code: 'MCPC_CONTRACT_UNREADABLE', severity: 'error', message: `--against ${against}: ${old.problem}`, ...at };
  const changes = diffManifests(old.manifest, buildManifest(result.ir!, ''));
  const needed = requiredBump(changes);
  const from = old.manifest.server.version;
  const to = result.ir!.version;
  const actual = bumpBetween(from, to);
  if (actual !== undefined && covers(actual, needed)) return undefined;
  const listed = changes.filter((c) => c.level === (needed === 'major' ? 'breaking' : needed === 'minor' ? 'compatible' : 'patch'));
  const shown = listed.slice(0, 5).map((c) => `${c.subject}: ${c.message}`);
  const more = listed.length > shown.length ? `; and ${listed.length - shown.length} more` : '';
  return {
    code: 'MCPC_VERSION_BUMP',
    severity: 'error',
    message:
      actual === undefined
        ? `server.version ${to} does not follow ${from} as a semver version; the changes since ${against} need a ${needed} bump`
        : `the changes since ${against} need a ${needed} version bump from ${from}, but server.version is ${to} (${shown.join('; ')}${more})`,
    hint: 'run `mcpc diff` to see every change and the bump it needs',
    ...at,
  };
}

/**
 * `mcpc diff OLD NEW`: every change to the contract clients see, classified breaking, compatible or
 * patch, and the semver bump the whole needs. Exit 0 whatever it finds (the gate is `check
 * --against`); 1 when either side cannot be read.
 */
export async function diffCommand(oldSpec: string, newSpec: string, format: DiagnosticFormat, io: Io): Promise<number> {
  const sql = await SqlChecker.open();
  let loaded: LoadedContract[];
  try {
    loaded = [await loadContract(oldSpec, sql), await loadContract(newSpec, sql)];
  } finally {
    sql.close();
  }
  let failed = false;
  for (const side of loaded) {
    if (!('problem' in side)) continue;
    failed = true;
    if (side.analyzed) report(side.analyzed.diagnostics, 'text', [side.analyzed], io);
    io.stderr(`mcpc diff: ${side.problem}\n`);
  }
  if (failed) return 1;
  const [before, after] = loaded.map((side) => (side as { manifest: Manifest }).manifest) as [Manifest, Manifest];
  const changes = diffManifests(before, after);
  const bump = requiredBump(changes);
  const versions = { from: before.server.version, to: after.server.version };
  const actual = bumpBetween(versions.from, versions.to);
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ ...versions, bump, bumped: actual ?? null, changes }, null, 2)}\n`);
    return 0;
  }
  if (format === 'github') {
    for (const c of changes) io.stdout(`::${c.level === 'breaking' ? 'warning' : 'notice'} title=${c.level} change::${c.subject}: ${c.message}\n`);
  } else {
    for (const c of changes) io.stdout(`${c.level.padEnd(10)} ${c.subject}: ${c.message}\n`);
  }
  const counts = (['breaking', 'compatible', 'patch'] as const).map((level) => `${changes.filter((c) => c.level === level).length} ${level}`);
  io.stdout(
    changes.length === 0
      ? 'no changes to the contract\n'
      : `${changes.length} ${changes.length === 1 ? 'change' : 'changes'} (${counts.join(', ')}): needs a ${bump} version bump from ${versions.from}; ${versions.to} is ${actual === undefined ? 'not a later semver version' : `a ${actual} bump`}\n`,
  );
  return 0;
}

/**
 * `mcpc drift FILE`: the pipeline compiled against the DDL its sources have now instead of its
 * schema files (or seeds): tables and columns that changed, and the tools that break (the
 * engine's own refusals of their SQL, or output columns that changed). Exit 1 on breaking drift
 * or an unreadable source. With `write`, a source's one schema file is replaced by the live DDL.
 */
export async function driftCommand(file: string, write: boolean, io: Io): Promise<number> {
  const sql = await SqlChecker.open();
  try {
    const built = await analyzeFile(file, sql);
    if (!built.ir || hasErrors(built.diagnostics)) {
      report(built.diagnostics, 'text', [built], io);
      return 1;
    }
    const overrides = new Map<string, { text: string; shownAs: string }>();
    const schemaFiles: Array<{ path: string; ddl: string }> = [];
    for (const source of built.ir.sources) {
      if (source.catalogFrom === 'none') continue;
      const live = await liveDdl(source, file, process.env);
      if ('problem' in live) {
        io.stderr(`mcpc drift: ${live.problem}\n`);
        return 1;
      }
      const shownAs = `${source.name} (live)`;
      if (source.schema) {
        for (const [index, schema] of source.schema.entries()) overrides.set(schema.path, { text: index === 0 ? live.ddl : '', shownAs });
        if (source.schema.length === 1) schemaFiles.push({ path: source.schema[0]!.path, ddl: live.ddl });
        else if (write) io.stderr(`mcpc drift: source '${source.name}' has ${source.schema.length} schema files; --write replaces only a single one\n`);
      } else if (source.seed) {
        overrides.set(source.seed.path, { text: live.ddl, shownAs });
        if (write) io.stderr(`mcpc drift: source '${source.name}' takes its schema from its seed, which --write does not rewrite; give it a schema file\n`);
      }
    }
    const live = await analyzeFile(file, sql, overrides);
    const errors = live.diagnostics.filter((d) => d.severity === 'error');
    // A tool the engine refuses is reported by its error; what its untyped result lost would only repeat it.
    const refused = new Set(
      errors
        .map((d) => /^tools\.([^.]+)/.exec(d.path)?.[1])
        .filter((name) => name !== undefined)
        .map((name) => `tool '${name}'`),
    );
    const changes = live.ir
      ? diffManifests(buildManifest(built.ir, ''), buildManifest(live.ir, '')).filter((c) => c.level !== 'patch' && !refused.has(c.subject))
      : [];
    report(errors, 'text', [live], io);
    for (const c of changes) io.stdout(`${c.level === 'breaking' ? 'breaking' : 'drift   '} ${c.subject}: ${c.message}\n`);
    const breaking = errors.length > 0 || changes.some((c) => c.level === 'breaking');
    if (changes.length === 0 && errors.length === 0) io.stdout('no drift: every source has the tables and columns the pipeline was built against\n');
    if (write) {
      for (const schema of schemaFiles) {
        writeFileSync(resolve(dirname(file), schema.path), schema.ddl);
        io.stderr(`wrote the live DDL to ${displayPath(resolve(dirname(file), schema.path))}\n`);
      }
    }
    return breaking ? 1 : 0;
  } finally {
    sql.close();
  }
}

/** Where `introspect` and `init` read: `--url` (with CLICKHOUSE_USER and CLICKHOUSE_PASSWORD) or `--embedded`. */
export interface LiveOptions {
  connection: LiveConnection;
  filter: LiveFilter;
}

/** `mcpc introspect`: the live tables' DDL, as a schema file for a source (stdout, or `--out FILE`). */
export async function introspectCommand(live: LiveOptions, out: string | undefined, io: Io): Promise<number> {
  const tables = await readLive(live, io);
  if (!tables) return 1;
  const text = schemaText(tables);
  if (out === undefined) io.stdout(text);
  else {
    writeFileSync(out, text);
    io.stderr(`wrote ${tables.length} ${tables.length === 1 ? 'table' : 'tables'} to ${displayPath(out)}\n`);
  }
  return 0;
}

/**
 * `mcpc init`: a starter pipeline over the live tables, in DIR: `pipeline.yaml` (a resource and a
 * query tool per table) and `schema.sql` (their DDL). Existing files are never overwritten.
 */
export async function initCommand(live: LiveOptions, name: string, dir: string, io: Io): Promise<number> {
  const pipelineFile = join(dir, 'pipeline.yaml');
  const schemaFile = join(dir, 'schema.sql');
  for (const file of [pipelineFile, schemaFile]) {
    if (existsSync(file)) {
      io.stderr(`mcpc init: ${displayPath(file)} exists; init writes only new files (choose another --out)\n`);
      return 1;
    }
  }
  const tables = await readLive(live, io);
  if (!tables) return 1;
  if (tables.length === 0) {
    io.stderr('mcpc init: the source has no tables that match; nothing to serve\n');
    return 1;
  }
  const source =
    'url' in live.connection ? { url: live.connection.url } : { embedded: relative(resolve(dir), live.connection.embedded).split(sep).join('/') || '.' };
  mkdirSync(dir, { recursive: true });
  writeFileSync(schemaFile, schemaText(tables));
  writeFileSync(pipelineFile, scaffoldPipeline(tables, { name, source, schemaFile: 'schema.sql' }));
  io.stderr(`wrote ${displayPath(pipelineFile)} (${tables.length} ${tables.length === 1 ? 'table' : 'tables'}) and ${displayPath(schemaFile)}\n`);
  // What init writes must build as is: checked here, so a problem (a --name the language refuses) is said now.
  return checkCommand([pipelineFile], 'text', undefined, io);
}

async function readLive(live: LiveOptions, io: Io): Promise<LiveTable[] | undefined> {
  try {
    return await readLiveTables(live.connection, live.filter);
  } catch (error) {
    io.stderr(`mcpc: the source cannot be read: ${(error as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
}

/**
 * `mcpc graph`: the file's resources, tools and pipelines as a Mermaid or DOT graph on stdout, drawn
 * from the analyzed IR; diagnostics as `check` prints them, and no graph when there are errors.
 */
export async function graphCommand(file: string, format: DiagramFormat, io: Io): Promise<number> {
  const sql = await SqlChecker.open();
  let result: AnalyzedFile;
  try {
    result = await analyzeFile(file, sql);
  } finally {
    sql.close();
  }
  report(result.diagnostics, 'text', [result], io);
  if (hasErrors(result.diagnostics) || !result.analyzed) return 1;
  io.stdout(renderDiagram(result.analyzed, format));
  return 0;
}

/**
 * The build with `server.js`, compiled from `server.ts` after a strict type-check. Generated code
 * that does not type-check is a bug in mcpc, reported as an internal error.
 */
export function withServerJs(file: string, output: BuildOutput): BuildOutput {
  const compiled = compileServerSource(output.get('server.ts')!);
  if (!compiled.js) throw new InternalError(`generated server.ts for ${file} does not type-check:\n${compiled.errors.join('\n')}`);
  return new Map([...output, ['server.js', compiled.js]]);
}

/** Two files that name the same server would overwrite each other's build directory. */
function claimDirectories(results: CompiledFile[], diagnostics: Diagnostic[]): void {
  const owners = new Map<string, string>();
  for (const result of results) {
    if (!result.ir) continue;
    const owner = owners.get(result.ir.name);
    if (owner !== undefined) {
      diagnostics.push({
        code: 'MCPC_SCHEMA_INVALID',
        severity: 'error',
        message: `server name '${result.ir.name}' is also used by ${owner}; each server needs its own name (it names the build directory)`,
        path: 'server.name',
        ...(result.serverNameAt ?? { file: result.file, line: 1, col: 1 }),
      });
    } else owners.set(result.ir.name, result.file);
  }
}

function report(diagnostics: Diagnostic[], format: DiagnosticFormat, results: AnalyzedFile[], io: Io): void {
  const sources = new Map(results.flatMap((r) => [...r.texts]));
  const rendered = renderDiagnostics(diagnostics, format, sources);
  if (format === 'text') {
    io.stderr(rendered);
    const { errors, warnings } = summarize(diagnostics);
    if (errors > 0)
      io.stderr(`${errors} ${errors === 1 ? 'error' : 'errors'}${warnings > 0 ? `, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}` : ''}\n`);
  } else {
    io.stdout(rendered);
  }
}
