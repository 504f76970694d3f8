import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlChecker } from '../analyze/sql-checker.js';
import { analyzeFile, type AnalyzedFile } from '../cli/compile-file.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { buildManifest, type Manifest } from '../emit/manifest.js';
import { mcpcVersion } from '../paths.js';

/** A contract to compare, or why it could not be read; `analyzed` is set when it came from a pipeline file. */
export type LoadedContract = { manifest: Manifest; analyzed?: AnalyzedFile } | { problem: string; analyzed?: AnalyzedFile };

/**
 * A server's contract from what `mcpc diff` and `check --against` take: a `manifest.json` from a
 * build, a pipeline file (compiled in memory, nothing written), or `git:REF:PATH`, either of
 * those as committed at REF (the whole tree at REF is read, so a pipeline finds its schema and
 * seed files as they were).
 */
export async function loadContract(spec: string, sql: SqlChecker): Promise<LoadedContract> {
  const git = /^git:([^:]+):(.+)$/.exec(spec);
  if (!git) return loadFile(spec, sql);
  const [, ref, path] = git;
  const tree = mkdtempSync(join(tmpdir(), 'mcpc-contract-'));
  try {
    const archive = spawnSync('git', ['archive', '--format=tar', ref!], { maxBuffer: 1 << 30 });
    if (archive.status !== 0) return { problem: `git cannot read ${ref}: ${archive.stderr.toString().trim().split('\n')[0]}` };
    const untar = spawnSync('tar', ['-x', '-C', tree], { input: archive.stdout });
    if (untar.status !== 0) return { problem: `cannot unpack ${ref}: ${untar.stderr.toString().trim()}` };
    // Paths in a git: spec are from the repository's root, as git shows them.
    const loaded = await loadFile(join(tree, path!), sql);
    return 'problem' in loaded ? { problem: `${spec}: ${loaded.problem.replace(tree, ref!)}` } : { manifest: loaded.manifest };
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

async function loadFile(path: string, sql: SqlChecker): Promise<LoadedContract> {
  if (path.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      return { problem: `${path} cannot be read as JSON (${(error as Error).message})` };
    }
    const manifest = parsed as Partial<Manifest> | null;
    if (manifest?.manifest_version !== 1 || !Array.isArray(manifest.tools) || !Array.isArray(manifest.resources)) {
      return { problem: `${path} is not an mcpc manifest (manifest_version 1)` };
    }
    return { manifest: { ...manifest, pipelines: manifest.pipelines ?? [] } as Manifest };
  }
  const analyzed = await analyzeFile(path, sql);
  if (!analyzed.ir || hasErrors(analyzed.diagnostics)) return { problem: `${analyzed.file} does not build`, analyzed };
  return { manifest: buildManifest(analyzed.ir, `mcpc ${mcpcVersion}`), analyzed };
}
