import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Project, ts } from 'ts-morph';
import { packageRoot } from '../paths.js';
import { RUNTIME_MODULE } from './server-source.js';

/** The compiler options generated servers are held to: the project's own strict settings. */
const STRICT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  // ESM output without Node's package.json-based format detection, which in-memory files skip.
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
};

/** Translates `server.ts` to the JavaScript that runs; types are erased, nothing else changes. */
export function transpileServer(source: string): string {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false, removeComments: false },
    fileName: 'server.ts',
  });
  return outputText;
}

/**
 * Type-checks generated `server.ts` against the type declarations of the runtime this compiler
 * ships with, under strict settings. A failure is a bug in mcpc (the generator broke its own
 * contract), so it returns TypeScript's messages for an internal error.
 */
export function typeCheckServer(source: string): string[] {
  const declarations = join(packageRoot, 'dist', 'runtime', 'index.d.ts');
  if (!existsSync(declarations)) {
    return [`the runtime's type declarations are missing at ${declarations}; run \`npm run build\` in the mcpc package`];
  }
  const project = new Project({
    compilerOptions: { ...STRICT_OPTIONS, paths: { [RUNTIME_MODULE]: [declarations] } },
    skipAddingFilesFromTsConfig: true,
  });
  // Placed inside the package so Node-style resolution finds nothing but the mapped runtime.
  const file = project.createSourceFile(join(packageRoot, '.mcpc-typecheck', 'server.ts'), source, { overwrite: true });
  return project
    .getPreEmitDiagnostics()
    .filter((d) => d.getCategory() === ts.DiagnosticCategory.Error)
    .map((d) => {
      const line = d.getSourceFile() === file ? `server.ts:${d.getLineNumber() ?? 0}: ` : '';
      const text = d.getMessageText();
      return `${line}${typeof text === 'string' ? text : text.getMessageText()}`;
    });
}
