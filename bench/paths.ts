import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bench/ directory of the repository (this file runs from dist/bench/). */
export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');
export const repoRoot = join(benchRoot, '..');
