import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Measurement } from './stats.js';
import type { Command } from './load/worker.js';
import { benchRoot, repoRoot } from './paths.js';
import { stopProcess, watchOutput } from '../test/support/processes.js';

export const scratch = join(benchRoot, '.tmp');

/** A server process under test. */
export interface Target {
  name: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Builds a pipeline with the real CLI; returns the wall time and the server's path. */
export function buildWithMcpc(pipeline: string, outRoot: string): { ms: number; serverJs: (name: string) => string } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [join(repoRoot, 'bin', 'mcpc.js'), 'build', pipeline, '--out', outRoot], { cwd: repoRoot, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`mcpc build ${pipeline} failed:\n${run.stderr}`);
  return { ms, serverJs: (name) => join(outRoot, name, 'server.js') };
}

/**
 * Starts a generated server over HTTP in a fresh working directory. Its embedded data lives beside
 * its pipeline and outlives a run, so it is seeded again (`--reseed`): every run measures the
 * current seed, not the tables an earlier seed left.
 */
export async function startMcpc(name: string, serverJs: string, env: NodeJS.ProcessEnv = {}): Promise<Target> {
  mkdirSync(scratch, { recursive: true });
  const cwd = mkdtempSync(join(scratch, `${name}-`));
  const child = spawn(process.execPath, [serverJs, '--transport', 'http', '--port', '0', '--reseed'], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await watchOutput(child, 'stderr').waitForLine((entry) => (entry.msg === 'serving' && typeof entry.url === 'string' ? entry.url : undefined), {
    timeoutMs: 120_000,
    what: "the 'serving' log line",
  });
  return target(name, url, child);
}

/** Starts a Node program that prints `{"url": ...}` on stdout when it listens. */
export async function startProgram(name: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Target> {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await watchOutput(child, 'stdout').waitForLine((entry) => (typeof entry.url === 'string' ? entry.url : undefined), {
    timeoutMs: 120_000,
    what: 'a {"url": ...} line',
  });
  return target(name, url, child);
}

/** Starts a server that only prints a banner, and waits until its port answers. */
export async function startListening(name: string, command: string, args: string[], cwd: string, port: number): Promise<Target> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = watchOutput(child, 'stderr');
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${stderr.text()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return target(name, url, child);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on ${port} within 30 s:\n${stderr.text()}`);
}

function target(name: string, url: string, child: ChildProcess): Target {
  return {
    name,
    url,
    process: child,
    stop: () => stopProcess(child, 5000),
  };
}

/** The load generator process, driven one command at a time. */
export class LoadWorker {
  private readonly child: ChildProcess;
  private readonly pending: Array<(line: string) => void> = [];

  constructor() {
    this.child = spawn(process.execPath, [join(repoRoot, 'dist', 'bench', 'load', 'worker.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.pending.shift()?.(line));
  }

  async run(command: Exclude<Command, { op: 'exit' }>): Promise<Measurement> {
    const answer = await new Promise<string>((resolve) => {
      this.pending.push(resolve);
      this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    });
    const parsed = JSON.parse(answer) as { ok: true; measurement: Measurement } | { ok: false; error: string };
    if (!parsed.ok) throw new Error(`load worker failed: ${parsed.error}`);
    return parsed.measurement;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.stdin!.write(`${JSON.stringify({ op: 'exit' })}\n`);
    await exited;
  }
}
