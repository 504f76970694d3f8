// Starts a throwaway redis-server (Debian bookworm's `redis-server`) on a free loopback port,
// with no persistence and a temp directory of its own, for the tests of state shared by replicas
// (`state: { redis: ... }`). It can be stopped and started again on the same port, as an outage.
//
// CI installs the package with .ci/install-redis.sh. Elsewhere a missing binary is a skip, not a
// failure; under CI it is an error, so a broken install step cannot turn the tests silently green.

import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, stopProcess, watchOutput } from './processes.js';

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  /** Stops the server (an outage); `start` brings it back on the same port, empty. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/** A running redis-server, or why there is none (a skip outside CI). */
export async function startRedis(): Promise<TestRedis | { skipped: string }> {
  const bin = await findBinary();
  if (!bin) return skip('redis-server is not installed (run .ci/install-redis.sh)');
  const dir = await mkdtemp(join(tmpdir(), 'mcpc-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const start = async () => {
    const started = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    watchOutput(started, 'stderr');
    const stdout = watchOutput(started, 'stdout');
    await waitForReady(port, () => stdout.text(), started);
  };
  const stop = async () => {
    if (child) await stopProcess(child, 5_000);
    child = undefined;
  };
  try {
    await start();
  } catch (error) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async close() {
      process.off('exit', killOnExit);
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function skip(reason: string): { skipped: string } {
  const ci = process.env.CI;
  if (ci && ci !== 'false' && ci !== '0') throw new Error(`redis-server unavailable in CI: ${reason}`);
  return { skipped: reason };
}

async function findBinary(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin'];
  for (const dir of dirs) {
    const command = join(dir, 'redis-server');
    try {
      await access(command, constants.X_OK);
      return command;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Waits until the server answers PING on its port (a raw RESP exchange: no client library needed). */
async function waitForReady(port: number, output: () => string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode}) during startup:\n${output()}`);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(500, () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
    if (answered) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}
