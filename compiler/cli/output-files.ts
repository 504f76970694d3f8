import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { BuildOutput } from '../emit/emit.js';

/**
 * Writes a build into its directory. Each file is written beside its target and renamed over
 * it, so a server restarted mid-build never loads half a file; generated files from an earlier
 * build that this one no longer emits (a removed seed) are deleted. `server.js` is written last:
 * a running server reloads when it changes (runtime/reload/), and by then the rest of the build is there.
 */
export function writeBuild(dir: string, output: BuildOutput): void {
  mkdirSync(dir, { recursive: true });
  const ordered = [...output].sort(([a], [b]) => Number(a === 'server.js') - Number(b === 'server.js'));
  for (const [name, content] of ordered) {
    const target = join(dir, name);
    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, content);
    renameSync(temporary, target);
  }
  for (const stale of listFiles(join(dir, 'seed'))) {
    const name = relative(dir, stale).split(sep).join('/');
    if (!output.has(name)) rmSync(stale);
  }
}

/** Files that differ between a build on disk and the build the compiler emits now. */
export function staleFiles(dir: string, output: BuildOutput): string[] {
  const stale: string[] = [];
  for (const [name, content] of output) {
    let onDisk: string | undefined;
    try {
      onDisk = readFileSync(join(dir, name), 'utf8');
    } catch {
      onDisk = undefined;
    }
    if (onDisk !== content) stale.push(name);
  }
  return stale;
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
  } catch {
    return [];
  }
}

/** Where builds go: `--out`, or `build` in the working directory, as an absolute path. */
export function resolveOut(out: string | undefined): string {
  return resolve(out ?? 'build');
}
