// Starts the ClickHouse HTTP front (a test double, see clickhouse-front.ts) as a process of its
// own, and kills and restarts it for fault injection. Used by tests and by the bench (which runs
// this file compiled, from dist/test/support/); the front itself is compiled into test/.tmp.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcess, watchOutput } from './processes.js';

export interface FrontProcess {
  /** http://127.0.0.1:PORT, the same across restarts. */
  url: string;
  port: number;
  dataDir: string;
  /** The engine's version, as `SELECT version()` answers. */
  version: string;
  process(): ChildProcess;
  /** Everything the front wrote to stderr, across restarts. */
  log(): string;
  /** Every query the front received so far, with the `role` parameters it carried (see clickhouse-front.ts). */
  roles(): Promise<Array<{ query_id: string; roles: string[]; query: string }>>;
  /** Arms a fault hook (see clickhouse-front.ts): the next matching query kills the process. */
  fault(spec: { exit_on_query?: string; exit_mid_response?: { query: string; after_bytes: number } }): Promise<void>;
  /** Waits for the process to die (after a fault fired), or kills it with SIGKILL. */
  kill(): Promise<void>;
  /** Waits until the process has exited on its own (a fault fired), within `timeoutMs`. */
  exited(timeoutMs: number): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface FrontStart {
  dataDir: string;
  user?: string;
  password?: string;
  /** Seed SQL files run once, in order, on an empty database. */
  seedFiles?: string[];
  port?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository: this file runs from test/support/, or compiled from dist/test/support/ (by the bench). */
const repo = basename(dirname(dirname(here))) === 'dist' ? join(here, '..', '..', '..') : join(here, '..', '..');
let compiled: string | undefined;

/**
 * The front's entry as JavaScript, compiled from its TypeScript once per process into test/.tmp
 * (beside the repository's node_modules), never into dist/: the test double is not shipped.
 */
function frontEntry(): string {
  if (compiled) return compiled;
  const base = join(repo, 'test', '.tmp');
  mkdirSync(base, { recursive: true });
  const out = mkdtempSync(join(base, 'front-'));
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const source = join(repo, 'test', 'support', 'clickhouse-front-main.ts');
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '--ignoreConfig',
      '--outDir',
      out,
      '--rootDir',
      repo,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      source,
    ],
    { cwd: repo, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`compiling the ClickHouse front failed:\n${result.stdout}${result.stderr}`);
  compiled = join(out, 'test', 'support', 'clickhouse-front-main.js');
  return compiled;
}

export async function startClickHouseFront(options: FrontStart): Promise<FrontProcess> {
  const entry = frontEntry();
  const port = options.port ?? (await freePort());
  const args = [entry, '--data', options.dataDir, '--port', String(port), '--user', options.user ?? 'default', '--password', options.password ?? ''];
  for (const file of options.seedFiles ?? []) args.push('--seed', file);
  let child: ChildProcess;
  let stderr = '';
  let version = '';
  const launch = async () => {
    child = spawn(process.execPath, args, {
      // A stream's blocks are fetched on libuv's pool; the default 4 threads would let four slow streams stall every query.
      env: { ...process.env, UV_THREADPOOL_SIZE: '16', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const stdout = watchOutput(child, 'stdout');
    version = await stdout.waitForLine((line) => (line.msg === 'listening' && typeof line.version === 'string' ? line.version : undefined), {
      timeoutMs: 60_000,
      what: "the front's 'listening' line",
    });
  };
  await launch();
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const exited = (timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => reject(new Error(`the ClickHouse front did not exit within ${timeoutMs} ms`)), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  return {
    url,
    port,
    dataDir: options.dataDir,
    get version() {
      return version;
    },
    process: () => child,
    log: () => stderr,
    async roles() {
      const response = await fetch(`${url}/__front/roles`, { headers: { connection: 'close' } });
      return (await response.json()) as Array<{ query_id: string; roles: string[]; query: string }>;
    },
    async fault(spec) {
      const response = await fetch(`${url}/__front/fault`, { method: 'POST', body: JSON.stringify(spec), headers: { connection: 'close' } });
      if (!response.ok) throw new Error(`arming a fault failed: ${response.status} ${await response.text()}`);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = exited(10_000);
        child.kill('SIGKILL');
        await gone;
      }
    },
    exited,
    restart: launch,
    async stop() {
      process.off('exit', killOnExit);
      await stopProcess(child, 5_000);
    },
  };
}
