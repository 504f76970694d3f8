// Child processes as the tests and the bench drive them: read what a child writes, wait for
// the line that says it is ready, find a port for it, and stop it. Imported from test/ and
// from bench/ (which compiles it into dist/test/support/), so it imports nothing but node:.

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/** A line a child wrote that parses as a JSON object, such as one line of the runtime's log. */
type JsonLine = { readonly [key: string]: unknown };

export interface ChildOutput {
  /** Everything the child has written to the stream so far, as written. */
  text(): string;
  /**
   * The first line, already written or still to come, that is a JSON object `pick` maps to a
   * value other than undefined. Lines that are not JSON objects are passed over. Rejects, with
   * everything the stream carried, when the child exits (or cannot be spawned) first or when
   * `timeoutMs` passes; `what` names the line in those messages.
   */
  waitForLine<T>(pick: (entry: JsonLine) => T | undefined, options: { timeoutMs: number; what: string }): Promise<T>;
}

/**
 * Starts collecting what a child writes to one of its pipes, from now on and for as long as the
 * pipe is open (which also keeps the child from blocking on a full pipe).
 */
export function watchOutput(child: ChildProcess, stream: 'stdout' | 'stderr'): ChildOutput {
  const input = child[stream];
  if (!input) throw new Error(`watchOutput: the child's ${stream} is not a pipe`);
  const decoder = new StringDecoder('utf8');
  let text = '';
  let exit: string | undefined;
  let closed = false;
  const waiters = new Set<() => void>();
  const update = () => {
    for (const waiter of [...waiters]) waiter();
  };
  input.on('data', (chunk: Buffer | string) => {
    text += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    update();
  });
  input.once('close', () => {
    text += decoder.end();
    closed = true;
    update();
  });
  child.once('exit', (code, signal) => {
    exit = `exited (${signal ?? `code ${code}`})`;
    update();
  });
  // A child that cannot be spawned emits 'error' and never 'exit'.
  child.once('error', (error) => {
    if (child.pid === undefined) exit = `could not be spawned: ${error.message}`;
    update();
  });

  return {
    text: () => text,
    waitForLine: <T>(pick: (entry: JsonLine) => T | undefined, { timeoutMs, what }: { timeoutMs: number; what: string }) =>
      new Promise<T>((resolve, reject) => {
        let offset = 0;
        const settle = (finish: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          finish();
        };
        const check = () => {
          // Only whole lines: a line split across chunks is read once its newline has arrived,
          // and every line is read once. Once the pipe has closed, a last unterminated line counts.
          for (;;) {
            const newline = text.indexOf('\n', offset);
            if (newline < 0 && !(closed && offset < text.length)) break;
            const end = newline < 0 ? text.length : newline;
            const entry = parseJsonObject(text.slice(offset, end));
            offset = end + 1;
            if (entry === undefined) continue;
            let found: T | undefined;
            try {
              found = pick(entry);
            } catch (error) {
              settle(() => reject(error));
              return;
            }
            if (found !== undefined) {
              settle(() => resolve(found));
              return;
            }
          }
          // The exit reason alone is not the end: what the child wrote just before exiting may
          // still be in the pipe, so wait for it to close too (unless the child never ran).
          if (exit !== undefined && (closed || child.pid === undefined)) {
            settle(() => reject(new Error(`the process ${exit} before ${what} appeared on its ${stream}:\n${text}`)));
          }
        };
        const timer = setTimeout(
          () => settle(() => reject(new Error(`${what} did not appear on the process's ${stream} within ${timeoutMs / 1000} s:\n${text}`))),
          timeoutMs,
        );
        waiters.add(check);
        check();
      }),
  };
}

function parseJsonObject(line: string): JsonLine | undefined {
  if (!line.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonLine) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. It is released before the caller binds
 * it; the race is tiny, and a lost race surfaces as the server's own startup failure.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not allocate a port');
  return address.port;
}

/** Stops a child with SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it has exited. */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Resident memory of a process now and at its peak, in MiB (Linux /proc). */
export function memoryOf(pid: number | undefined): { rssMiB: number; peakRssMiB: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakRssMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
  } catch {
    return undefined;
  }
}
