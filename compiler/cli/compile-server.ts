import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RUNTIME_MODULE } from '../emit/server-source.js';
import { packageRoot } from '../paths.js';

export interface CompiledServer {
  /** TypeScript's errors for the generated file; any is a bug in mcpc's generator. */
  errors: string[];
  /** The JavaScript that runs, when there were no errors. */
  js?: string;
}

const tscBin = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

/**
 * Type-checks a generated `server.ts` against the type declarations of the runtime this compiler
 * ships with, under the project's strict settings, and compiles it to `server.js`, in one run of
 * the native TypeScript compiler (several times faster than the JavaScript one on large servers).
 */
export function compileServerSource(source: string): CompiledServer {
  const declarations = join(packageRoot, 'dist', 'runtime', 'index.d.ts');
  if (!existsSync(declarations)) {
    return { errors: [`the runtime's type declarations are missing at ${declarations}; run \`npm run build\` in the mcpc package`] };
  }
  const dir = mkdtempSync(join(tmpdir(), 'mcpc-tsc-'));
  try {
    writeFileSync(join(dir, 'server.ts'), source);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          // ESM output without package.json-based format detection: the directory has none.
          module: 'ESNext',
          moduleResolution: 'bundler',
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noImplicitOverride: true,
          skipLibCheck: true,
          types: [],
          lib: ['ES2022'],
          paths: { [RUNTIME_MODULE]: [declarations] },
          outDir: join(dir, 'out'),
          newLine: 'lf',
        },
        files: ['server.ts'],
      }),
    );
    const run = spawnSync(process.execPath, [tscBin, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
    const errors = `${run.stdout}${run.stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.replace(`${dir}/`, ''));
    if (run.status !== 0 || errors.length > 0) return { errors: errors.length > 0 ? errors : [`tsc exited with ${run.status}`] };
    return { errors: [], js: readFileSync(join(dir, 'out', 'server.js'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
