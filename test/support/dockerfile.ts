import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * What `docker build` of a bundle directory would do, done without docker (which this machine
 * lacks): each instruction of the generated Dockerfile is carried out in a plain directory that
 * stands for the image's WORKDIR, and any instruction this does not know fails the test, so a
 * Dockerfile that gains a step cannot pass untried. `RUN npm install` is the one step done
 * differently: instead of downloading chDB (~540 MB) from npm, the packages package.json names
 * are copied from mcpc's own node_modules, with their dependencies, except chDB's native
 * library, which is symlinked. `chown` is skipped (the test runs as one user).
 */
export interface ReproducedImage {
  /** The directory standing for the WORKDIR. */
  appDir: string;
  /** ENTRYPOINT then CMD, as `docker run IMAGE` runs them. */
  command: string[];
  /** The ports EXPOSE names. */
  exposed: number[];
  /** The user the server runs as. */
  user: string | undefined;
  /** What ENV sets. */
  env: Record<string, string>;
}

/** A native library too large to copy for each test: linked from mcpc's node_modules instead. */
const LINKED = /^@chdb\/lib-/;

export function reproduceImage(contextDir: string, appDir: string): ReproducedImage {
  const text = readFileSync(join(contextDir, 'Dockerfile'), 'utf8');
  let workdir: string | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let user: string | undefined;
  let from: string | undefined;
  const exposed: number[] = [];
  const env: Record<string, string> = {};
  const inApp = (path: string) => {
    const absolute = posix.resolve(workdir ?? '/', path);
    if (workdir === undefined || !(absolute === workdir || absolute.startsWith(`${workdir}/`)))
      throw new Error(`the Dockerfile writes ${absolute}, outside the WORKDIR ${workdir}, which this reproduction cannot stand for`);
    return join(appDir, posix.relative(workdir, absolute));
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [instruction, rest = ''] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
    switch (instruction) {
      case 'FROM':
        from = rest;
        break;
      case 'ENV': {
        const [key, value] = rest.split('=');
        if (key === undefined || value === undefined || rest.includes(' ')) throw new Error(`ENV in a form this reproduction does not read: ${line}`);
        env[key] = value;
        break;
      }
      case 'WORKDIR':
        workdir = rest;
        mkdirSync(appDir, { recursive: true });
        break;
      case 'COPY': {
        const words = rest.replace(/^--chown=\S+ /, '');
        const paths = words.startsWith('[') ? (JSON.parse(words) as string[]) : words.split(' ');
        const target = paths.pop()!;
        for (const source of paths) {
          const to = target.endsWith('/') ? join(inApp(target), posix.basename(source)) : inApp(target);
          mkdirSync(dirname(to), { recursive: true });
          cpSync(join(contextDir, source), to, { recursive: true });
        }
        break;
      }
      case 'RUN':
        run(rest, appDir, inApp);
        break;
      case 'USER':
        user = rest;
        break;
      case 'EXPOSE':
        exposed.push(Number(rest));
        break;
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(rest) as string[];
        break;
      case 'CMD':
        cmd = JSON.parse(rest) as string[];
        break;
      default:
        throw new Error(`the Dockerfile has an instruction this reproduction does not carry out: ${line}`);
    }
  }
  if (from === undefined || workdir === undefined) throw new Error('the Dockerfile names no base image or no WORKDIR');
  return { appDir, command: [...entrypoint, ...cmd], exposed, user, env };
}

function run(command: string, appDir: string, inApp: (path: string) => string): void {
  if (command.startsWith('npm install --omit=dev')) {
    const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) installFromRepo(name, appDir);
    return;
  }
  const words = JSON.parse(command) as string[];
  if (words[0] === 'mkdir' && words[1] === '-p') for (const dir of words.slice(2)) mkdirSync(inApp(dir), { recursive: true });
  else if (words[0] !== 'chown') throw new Error(`the Dockerfile runs a command this reproduction does not carry out: ${command}`);
}

/** Installs a package and its dependencies into `appDir/node_modules` from mcpc's own (flat) node_modules. */
function installFromRepo(name: string, appDir: string): void {
  const target = join(appDir, 'node_modules', name);
  if (existsSync(target)) return;
  const source = join(repoRoot, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  if (LINKED.test(name)) {
    symlinkSync(source, target);
    return;
  }
  cpSync(source, target, { recursive: true, dereference: true });
  const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) installFromRepo(dependency, appDir);
  // Optional dependencies are installed where they fit the platform, as npm does: those present here.
  for (const dependency of Object.keys(manifest.optionalDependencies ?? {}))
    if (existsSync(join(repoRoot, 'node_modules', dependency))) installFromRepo(dependency, appDir);
}
