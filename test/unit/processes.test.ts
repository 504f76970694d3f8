import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, stopProcess, watchOutput } from '../support/processes.js';

const children: ChildProcess[] = [];

/** A real Node child running `script`, its stdout and stderr piped. */
function node(script: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => stopProcess(child, 1000)));
});

describe('watchOutput', () => {
  it('reads a JSON line split across chunks once it is whole, passing over lines that are not JSON', async () => {
    // Half a JSON line, a pause long enough for it to arrive as a chunk of its own, then the rest.
    const child = node(`
      process.stderr.write('starting up\\n{not json either\\n{"n":1}\\n{"n":2,"msg":"ser');
      setTimeout(() => process.stderr.write('ving","url":"http://127.0.0.1:1/mcp"}\\nafter\\n'), 300);
      setTimeout(() => {}, 30000);
    `);
    const stderr = watchOutput(child, 'stderr');
    const seen: unknown[] = [];
    const url = await stderr.waitForLine(
      (entry) => {
        seen.push(entry.n);
        return entry.msg === 'serving' ? entry.url : undefined;
      },
      { timeoutMs: 10_000, what: 'the serving line' },
    );
    expect(url).toBe('http://127.0.0.1:1/mcp');
    // Each JSON line reached pick once, and the half line only when whole.
    expect(seen).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 100));
    expect(stderr.text()).toBe('starting up\n{not json either\n{"n":1}\n{"n":2,"msg":"serving","url":"http://127.0.0.1:1/mcp"}\nafter\n');
  });

  it('finds a line written before it was asked for', async () => {
    const child = node(`process.stdout.write('{"ready":true}\\n'); setTimeout(() => {}, 30000);`);
    const stdout = watchOutput(child, 'stdout');
    await new Promise((r) => setTimeout(r, 500));
    await expect(stdout.waitForLine((entry) => entry.ready, { timeoutMs: 10_000, what: 'the ready line' })).resolves.toBe(true);
  });

  it('rejects with everything the child wrote, its last words included, when it exits first', async () => {
    const child = node(`process.stderr.write('{"msg":"starting"}\\n'); process.stderr.write('fatal: no config'); process.exit(3);`);
    await expect(watchOutput(child, 'stderr').waitForLine((entry) => entry.url, { timeoutMs: 10_000, what: 'the serving line' })).rejects.toThrow(
      'the process exited (code 3) before the serving line appeared on its stderr:\n{"msg":"starting"}\nfatal: no config',
    );
  });

  it('times out saying what it saw', async () => {
    const child = node(`process.stdout.write('{"msg":"starting"}\\n'); setTimeout(() => {}, 30000);`);
    await expect(watchOutput(child, 'stdout').waitForLine((entry) => entry.url, { timeoutMs: 1000, what: 'the serving line' })).rejects.toThrow(
      `the serving line did not appear on the process's stdout within 1 s:\n{"msg":"starting"}\n`,
    );
  });
});

describe('stopProcess', () => {
  it('kills a child that ignores SIGTERM once the grace period is over', async () => {
    const child = node(`process.on('SIGTERM', () => {}); process.stdout.write('{"ready":true}\\n'); setTimeout(() => {}, 30000);`);
    await watchOutput(child, 'stdout').waitForLine((entry) => entry.ready, { timeoutMs: 10_000, what: 'the ready line' });
    await stopProcess(child, 300);
    expect(child.signalCode).toBe('SIGKILL');
  });
});

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((ready) => server.listen(port, '127.0.0.1', () => ready()));
    await new Promise<void>((done) => server.close(() => done()));
  });
});
