import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * Before any test: build dist/ (the CLI and the runtime that generated servers import are the
 * built files, so tests must never run against a stale build) and clear scratch space.
 */
export default function setup(): void {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  rmSync(join(repoRoot, 'test', '.tmp'), { recursive: true, force: true });
}
