import type { ServerIR } from '../analyze/ir.js';
import { buildManifest } from './manifest.js';
import { renderServerSource } from './server-source.js';

export interface EmitOptions {
  /** `mcpc <version>`. */
  generator: string;
  /** The pipeline file's directory, relative to the build directory: where relative paths of the pipeline resolve at run time. */
  projectDir: string;
}

/** A built server: file paths relative to its build directory, and their exact contents. */
export type BuildOutput = Map<string, string>;

/**
 * Emits a server from its IR: `server.ts`, `manifest.json` and the seed files of embedded
 * sources. Pure and deterministic: the same IR gives the same bytes, and nothing here touches the
 * file system. (`server.js` is compiled from `server.ts` by the CLI, which runs the compiler.)
 */
export function emitServer(ir: ServerIR, options: EmitOptions): BuildOutput {
  const manifest = buildManifest(ir, options.generator);
  const source = renderServerSource(ir, { ...options, contentHash: manifest.content_hash });
  const files: BuildOutput = new Map([
    ['server.ts', source],
    ['manifest.json', `${JSON.stringify(manifest, null, 2)}\n`],
  ]);
  for (const source of ir.sources) if (source.seed) files.set(source.seed.fileName, source.seed.sql);
  return files;
}
