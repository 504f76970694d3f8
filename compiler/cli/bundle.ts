import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, sep } from 'node:path';
import type { Metafile, Plugin } from 'esbuild';
import type { ServerIR } from '../analyze/ir.js';
import type { BuildOutput } from '../emit/emit.js';
import { emitServer } from '../emit/emit.js';
import { RUNTIME_MODULE } from '../emit/server-source.js';
import { packageRoot } from '../paths.js';
import { InternalError } from './internal-error.js';

/** Packages the bundle leaves for npm to install beside it: chDB loads a native library of ~540 MB. */
const EXTERNAL_PACKAGES = ['chdb'] as const;

/** The bundled SQL guard process, beside `server.mjs` (runtime/sql-guard/guard.ts forks it). */
const GUARD_WORKER_FILE = 'sql-guard-worker.mjs';

/**
 * How runtime/sql-guard/guard.ts finds its worker: beside itself. In the bundle, "itself" is
 * server.mjs, so the bundle names the bundled worker instead; a guard that finds its worker
 * another way must be taught here, and the bundle refuses to build until it is.
 */
const GUARD_WORKER_URL = "new URL('./worker.js', import.meta.url)";

/**
 * Modules that locate files beside themselves become wrong in a bundle, where every module's
 * `import.meta.url` is the bundle's. Each place that does so must be known: in the server, the
 * banner's `require`, the guard's worker (rewritten) and the server's own entry check; in the
 * worker, the banner's.
 */
const KNOWN_MODULE_URLS: Readonly<Record<string, number>> = { 'server.mjs': 3, [GUARD_WORKER_FILE]: 1 };

/** A problem the user can act on (the runtime is not built, a package is missing). */
export class BundleError extends Error {}

export interface Bundle {
  /** `server.mjs`, and the SQL guard's worker when a tool of kind sql needs it. */
  files: BuildOutput;
  /** The packages left out, with the exact version installed beside mcpc. */
  externals: Record<string, string>;
}

/**
 * Bundles a built server with esbuild: the generated server (with the bundle's directory as its
 * project directory, so the relative paths of the pipeline resolve beside `server.mjs`), the
 * runtime from mcpc's `dist/`, and every package the runtime imports, except chDB. Nothing of the
 * compiler may end up in it.
 */
export async function bundleServer(ir: ServerIR, generator: string): Promise<Bundle> {
  const runtimeEntry = join(packageRoot, 'dist', 'runtime', 'index.js');
  const guardWorker = join(packageRoot, 'dist', 'runtime', 'sql-guard', 'worker.js');
  if (!existsSync(runtimeEntry) || !existsSync(guardWorker))
    throw new BundleError(`the runtime is not built (${runtimeEntry} is missing): run \`npm run build\` in ${packageRoot}`);
  const externals = externalVersions();
  const serverSource = emitServer(ir, { generator, projectDir: '.' }).get('server.ts')!;
  const needsGuard = ir.tools.some((tool) => tool.kind === 'sql');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [{ in: SERVER_ENTRY, out: 'server' }, ...(needsGuard ? [{ in: guardWorker, out: basename(GUARD_WORKER_FILE, '.mjs') }] : [])],
    absWorkingDir: packageRoot,
    outdir: packageRoot,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL_PACKAGES.flatMap((name) => [name, `${name}/*`]),
    // CommonJS packages in an ES module bundle require Node's built-ins through this.
    banner: { js: "import { createRequire as __mcpcCreateRequire } from 'node:module';\nconst require = __mcpcCreateRequire(import.meta.url);" },
    plugins: [serverEntry(serverSource, runtimeEntry), guardWorkerBeside()],
    metafile: true,
    logLevel: 'silent',
  }).catch((error: Error) => {
    throw new InternalError(`esbuild could not bundle the ${ir.name} server: ${error.message}`);
  });
  checkInputs(result.metafile);
  const files: BuildOutput = new Map();
  for (const output of result.outputFiles) {
    const name = relative(packageRoot, output.path).split(sep).join('/');
    const text = output.text;
    const urls = text.split('import.meta.url').length - 1;
    if (urls !== KNOWN_MODULE_URLS[name])
      throw new InternalError(
        `${name} uses import.meta.url ${urls} times, not ${KNOWN_MODULE_URLS[name]}: a bundled module finds a file beside itself, which the bundle does not ship`,
      );
    files.set(name, text);
  }
  return { files, externals };
}

const SERVER_ENTRY = 'mcpc-bundle:server.ts';

/** The generated server as the bundle's entry, importing the runtime from mcpc's `dist/`. */
function serverEntry(source: string, runtimeEntry: string): Plugin {
  return {
    name: 'mcpc-server-entry',
    setup(build) {
      build.onResolve({ filter: /^mcpc-bundle:server\.ts$/ }, () => ({ path: 'server.ts', namespace: 'mcpc-bundle' }));
      build.onLoad({ filter: /.*/, namespace: 'mcpc-bundle' }, () => ({ contents: source, loader: 'ts', resolveDir: packageRoot }));
      build.onResolve({ filter: new RegExp(`^${RUNTIME_MODULE}$`) }, () => ({ path: runtimeEntry }));
    },
  };
}

/** Points the SQL guard at its bundled worker, beside server.mjs. */
function guardWorkerBeside(): Plugin {
  return {
    name: 'mcpc-guard-worker',
    setup(build) {
      build.onLoad({ filter: /[\\/]runtime[\\/]sql-guard[\\/]guard\.js$/ }, ({ path }) => {
        const text = readFileSync(path, 'utf8');
        if (text.split(GUARD_WORKER_URL).length !== 2)
          throw new InternalError(`${path} no longer finds its worker as ${GUARD_WORKER_URL}; teach compiler/cli/bundle.ts where it looks`);
        return { contents: text.replace(GUARD_WORKER_URL, `new URL('./${GUARD_WORKER_FILE}', import.meta.url)`), loader: 'js' };
      });
    },
  };
}

/** The compiler (TypeScript, ts-morph, the YAML parser) belongs to the build, never to the server. */
function checkInputs(metafile: Metafile): void {
  // Inputs are relative to the package root (absWorkingDir).
  const forbidden = Object.keys(metafile.inputs).filter(
    (input) => input.startsWith('compiler/') || /(^|\/)node_modules\/(typescript|ts-morph|@ts-morph\/[^/]+|yaml)\//.test(input),
  );
  if (forbidden.length > 0) throw new InternalError(`the bundled server would contain the compiler: ${forbidden.slice(0, 5).join(', ')}`);
}

/** The version of each external package installed beside mcpc: what the bundle was built against. */
function externalVersions(): Record<string, string> {
  const require = createRequire(join(packageRoot, 'package.json'));
  const versions: Record<string, string> = {};
  for (const name of EXTERNAL_PACKAGES) {
    try {
      versions[name] = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      throw new BundleError(`${name} is not installed beside mcpc (${packageRoot}), so the bundle cannot name the version it needs: run \`npm install\` there`);
    }
  }
  return versions;
}
