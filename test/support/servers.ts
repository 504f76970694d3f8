import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { mcpcBin, outsideDir, repoRoot, scratchDir } from './paths.js';
import { stopProcess, watchOutput } from './processes.js';

/**
 * Builds a pipeline with the real CLI and returns the server's path. The pipeline's directory is
 * copied into a scratch project first: an embedded database lives beside its pipeline file, so
 * each build gets a database of its own.
 */
export function buildPipeline(pipeline: string, serverName: string): string {
  return buildProject(pipeline, serverName).serverJs;
}

/** `buildPipeline`, also saying where the copy of the pipeline's directory is. */
export function buildProject(pipeline: string, serverName: string): { serverJs: string; project: string } {
  const scratch = scratchDir(serverName);
  const project = join(scratch, 'project');
  cpSync(resolve(repoRoot, dirname(pipeline)), project, { recursive: true, filter: (path) => !path.includes('.mcpc') });
  const out = join(scratch, 'build');
  const result = spawnSync(process.execPath, [mcpcBin, 'build', join(project, basename(pipeline)), '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mcpc build ${pipeline} failed (${result.status}):\n${result.stderr}`);
  return { serverJs: join(out, serverName, 'server.js'), project };
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  /** Everything the server wrote to stderr so far (its JSON log). */
  log(): string;
  stop(): Promise<void>;
}

export interface HttpServerOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  args?: string[];
  /** Written to the server's stdin, a pipe that stays open; without it, stdin is the null device. */
  stdin?: string;
}

/**
 * Starts a generated server over HTTP on a free port, from a working directory of its own (which
 * must not matter: its embedded database is beside its pipeline), and waits for its "serving" log line.
 */
export async function startHttpServer(serverJs: string, options: HttpServerOptions = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [serverJs, '--transport', 'http', '--port', '0', ...(options.args ?? [])], {
    cwd: options.cwd ?? outsideDir('server'),
    env: { ...process.env, ...options.env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
  });
  if (options.stdin !== undefined) child.stdin!.write(options.stdin);
  const stderr = watchOutput(child, 'stderr');
  const url = await stderr.waitForLine((entry) => (entry.msg === 'serving' && typeof entry.url === 'string' ? entry.url : undefined), {
    timeoutMs: 60_000,
    what: "the 'serving' log line",
  });
  return {
    url,
    process: child,
    log: () => stderr.text(),
    stop: () => stopProcess(child, 10_000),
  };
}

/** Starts a generated server and waits for it to exit, as a deployment sees a refused start. */
export function runToExit(serverJs: string, options: { env?: NodeJS.ProcessEnv; cwd: string }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [serverJs, '--transport', 'http', '--port', '0'], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** A stock SDK client over Streamable HTTP, speaking the 2025 protocol or negotiating 2026-07-28. */
export async function connectHttp(url: string, era: 'legacy' | 'modern'): Promise<Client> {
  const client = new Client({ name: 'mcpc-test', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** A stock SDK client that launches the server over stdio, as desktop MCP hosts do. */
export async function connectStdio(
  serverJs: string,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverJs, '--transport', 'stdio'],
    cwd: options.cwd ?? outsideDir('stdio'),
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'mcpc-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}
