import { spawn, type ChildProcess } from 'node:child_process';
import { mcpcBin } from './paths.js';

export interface DevProcess {
  process: ChildProcess;
  /** Everything `mcpc dev` and its servers wrote so far, stdout and stderr together. */
  output(): string;
  /** Waits until the output contains `text` at least `times` times; fails at once if `mcpc dev` exits. */
  waitFor(text: string, times?: number, timeoutMs?: number): Promise<void>;
}

/** Starts `mcpc dev` with the given arguments in `cwd`, collecting what it writes. */
export function startDev(args: string[], cwd: string): DevProcess {
  const child = spawn(process.execPath, [mcpcBin, 'dev', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    process: child,
    output: () => output,
    async waitFor(text, times = 1, timeoutMs = 60_000) {
      const started = Date.now();
      while (output.split(text).length - 1 < times) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${JSON.stringify(text)} x${times}; output:\n${output}`);
        if (child.exitCode !== null) throw new Error(`mcpc dev exited with ${child.exitCode}; output:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
