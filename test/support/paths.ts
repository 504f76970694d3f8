import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const mcpcBin = join(repoRoot, 'bin', 'mcpc.js');

/**
 * A scratch directory inside the repository. Generated servers import `mcpc/runtime`, which
 * resolves from inside the package (as it would from a user's project with mcpc installed).
 */
export function scratchDir(prefix: string): string {
  const base = join(repoRoot, 'test', '.tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

/** A directory outside the repository, for a server's working directory (its embedded data). */
export function outsideDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mcpc-${prefix}-`));
}
