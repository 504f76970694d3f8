import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { log } from '../log.js';

/**
 * Set in the environment of the server process a stdio launcher starts: the descriptor that
 * carries the protocol's input. Internal to the launcher and its child, never set by hand.
 */
const PROTOCOL_FD_ENV = 'MCPC_STDIO_PROTOCOL_FD';

/** The descriptor to read the protocol from when this process is a launcher's child, else undefined. */
export function protocolFdFromEnv(): number | undefined {
  const value = process.env[PROTOCOL_FD_ENV];
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}

const FORWARDED = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs this server again as a child that reads the protocol from fd 3 and has the null device on
 * fd 0, and waits for it. The embedded engine reads fd 0 as data for every INSERT
 * (chdb-io/chdb-core#239), so the protocol must not be there; Node cannot dup() a descriptor
 * away, and the socketpairs Node-based clients give as stdin cannot be reopened through
 * /proc/self/fd/0, but spawn can place the same pipe or socket at another number in a child.
 * This process never reads stdin: it forwards SIGINT and SIGTERM and resolves with the child's
 * exit code, or ends by the signal that ended the child.
 */
export function runStdioLauncher(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    // stdout and stderr are the client's pipes, shared; stdin goes to the child as fd 3, unread here.
    stdio: ['ignore', 'inherit', 'inherit', 0],
    env: { ...process.env, [PROTOCOL_FD_ENV]: '3' },
  });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const handlers = FORWARDED.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);

  return new Promise((resolve) => {
    child.once('error', (error) => {
      log.error('cannot start the server process', { error: error.message });
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      if (signal === null) {
        resolve(code ?? 1);
        return;
      }
      // End the way the child ended, so whoever launched this sees the same signal. A signal
      // Node ignores (SIGPIPE) would not end this process: the shell's 128 + n is the fallback.
      process.kill(process.pid, signal);
      setTimeout(() => resolve(128 + (constants.signals[signal] ?? 0)), 100).unref();
    });
  });
}
