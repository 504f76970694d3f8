import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The root of the mcpc package, found by walking up from this module. The same code runs from
 * `compiler/` (tests) and from `dist/compiler/` (the installed CLI), so relative paths to the
 * schema or the runtime's type declarations cannot be fixed at authoring time.
 */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'mcpc') return dir;
    if (dirname(dir) === dir) throw new Error(`mcpc internal error: no mcpc package.json above ${start}`);
  }
}

/** The version of mcpc itself, as published. */
export const mcpcVersion: string = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The pipeline language's JSON Schema. */
export const pipelineSchemaPath: string = join(packageRoot, 'schemas', 'pipeline.schema.json');
