import { createRequire } from 'node:module';
import { join } from 'node:path';
import { RUNTIME_MODULE } from '../emit/server-source.js';

/**
 * Whether a server built into `dir` can load the runtime it imports (`mcpc/runtime`): it can
 * inside a project that has mcpc installed (or inside mcpc itself), and nowhere else.
 */
export function runtimeResolvesFrom(dir: string): boolean {
  try {
    createRequire(join(dir, 'server.js')).resolve(RUNTIME_MODULE);
    return true;
  } catch {
    return false;
  }
}
