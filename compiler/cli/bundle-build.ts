import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOutput } from '../emit/emit.js';
import { BundleError, bundleServer } from './bundle.js';
import { GENERATOR, type CompiledFile, displayPath } from './compile-file.js';
import { type Deployable, deployableFiles } from './deploy-plan.js';

/**
 * `mcpc build --bundle` for one compiled pipeline: the files to write beside its build (the
 * bundle, `package.json`, `Dockerfile`, the data it reads at start), or the problem that stops it.
 */
export async function deployableBuild(result: CompiledFile, output: BuildOutput): Promise<Deployable | { problem: string }> {
  try {
    const bundle = await bundleServer(result.ir!, GENERATOR);
    return deployableFiles(result.ir!, result.file, GENERATOR, bundle, output);
  } catch (error) {
    if (error instanceof BundleError) return { problem: error.message };
    throw error;
  }
}

/**
 * After the build is written: owner-only permissions where they belong. Returns what to tell the
 * user: what was bundled, and what the image still needs.
 */
export function finishBundle(dir: string, deployable: Deployable): string {
  for (const file of deployable.private) chmodSync(join(dir, file), 0o600);
  const size = statSync(join(dir, 'server.mjs')).size;
  const beside = [...deployable.files.keys()].filter((name) => name !== 'server.mjs');
  return [
    `bundled → ${displayPath(dir)}/server.mjs (${(size / 1024 / 1024).toFixed(1)} MB), with ${beside.join(', ')}\n`,
    ...deployable.notes.map((note) => `warning: ${note}\n`),
  ].join('');
}
