import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, posix, resolve } from 'node:path';
import { ConfigError, resolveConfigText } from '../../runtime/contract/config-text.js';
import type { ConfigText } from '../../runtime/contract/spec.js';
import type { ServerIR } from '../analyze/ir.js';
import type { BuildOutput } from '../emit/emit.js';
import { deployDockerfile, deployDockerignore, deployPackageJson, type DeployPlan } from '../emit/deploy-files.js';
import type { Bundle } from './bundle.js';

/** A deployable build: its files, what the server reads at start, and what the user must provide. */
export interface Deployable {
  files: BuildOutput;
  /** Files written with owner-only permissions (a copied API key file, as `mcpc keys add` makes it). */
  private: string[];
  /** What the image does not hold and needs at run time, one sentence each. */
  notes: string[];
}

/** Nothing of the build machine's environment: what a container started without `-e` resolves. */
const NO_ENVIRONMENT = { env: {} };

/**
 * The files beside a bundle that make it a deployable directory: `package.json` and `Dockerfile`
 * (and `.dockerignore`), the seed files the build already holds, and a copy of the API key file,
 * each at the path the pipeline gives it relative to its own directory, which the bundle stands for.
 */
export function deployableFiles(ir: ServerIR, pipelineFile: string, generator: string, bundle: Bundle, built: BuildOutput): Deployable {
  const notes: string[] = [];
  const files: BuildOutput = new Map(bundle.files);
  const data = ir.sources.flatMap((source) => (source.seed ? [source.seed.fileName] : []));
  const keyFile = ir.auth?.apiKeys && copyKeyFile(ir.auth.apiKeys.file, dirname(resolve(pipelineFile)), built, notes);
  if (keyFile) {
    files.set(keyFile.path, keyFile.text);
    data.push(keyFile.path);
  }
  const plan: DeployPlan = {
    programs: [...bundle.files.keys()],
    data,
    ownedByServer: keyFile ? [keyFile.path] : [],
    dataDirs: embeddedDataDirs(ir, notes),
    externals: bundle.externals,
  };
  files.set('package.json', deployPackageJson(ir, generator, plan));
  files.set('Dockerfile', deployDockerfile(ir, generator, plan));
  files.set('.dockerignore', deployDockerignore(plan));
  return { files, private: keyFile ? [keyFile.path] : [], notes };
}

/**
 * The API key file the server opens at start (and refuses to start without), as it resolves with
 * no environment set: copied when it lies inside the pipeline's directory; otherwise a note says
 * where the container needs it.
 */
function copyKeyFile(text: ConfigText, pipelineDir: string, built: BuildOutput, notes: string[]): { path: string; text: string } | undefined {
  const path = resolveDefault(text);
  const mountIt = 'mount it there (or set the variable the pipeline names for it)';
  if (path === undefined) {
    notes.push(`auth.api_keys.file names no file without the environment: the container needs the variable it names set, and the file mounted`);
    return undefined;
  }
  const inside = posix.normalize(path.split('\\').join('/'));
  if (isAbsolute(path) || inside.startsWith('../') || inside === '..') {
    notes.push(`auth.api_keys.file ${path} is outside the pipeline's directory, so it is not in the image: ${mountIt}`);
    return undefined;
  }
  if (built.has(inside) || inside === 'server.mjs' || inside === 'package.json' || inside === 'Dockerfile') {
    notes.push(`auth.api_keys.file ${inside} has the name of a file the build writes, so it is not copied: ${mountIt}`);
    return undefined;
  }
  try {
    return { path: inside, text: readFileSync(resolve(pipelineDir, path), 'utf8') };
  } catch {
    notes.push(
      `auth.api_keys.file ${inside} does not exist beside the pipeline, so the image has none and the server will not start: create it with \`mcpc keys add\` and build again, or ${mountIt}`,
    );
    return undefined;
  }
}

/** Where each source that may be embedded (its URL empty without the environment) keeps its database, relative to the bundle. */
function embeddedDataDirs(ir: ServerIR, notes: string[]): string[] {
  const dirs = new Set<string>();
  for (const source of ir.sources) {
    const url = source.url && resolveDefault(source.url);
    if (source.url && url !== '') continue;
    const path = resolveDefault(source.embedded);
    if (path === undefined) {
      notes.push(
        `source '${source.name}': its embedded path names no directory without the environment; the image's user must be able to write where it points`,
      );
      continue;
    }
    dirs.add(posix.normalize(path.split('\\').join('/')));
  }
  return [...dirs];
}

function resolveDefault(text: ConfigText): string | undefined {
  try {
    return resolveConfigText(text, '', NO_ENVIRONMENT);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}
