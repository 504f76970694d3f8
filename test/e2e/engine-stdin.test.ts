import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outsideDir } from '../support/paths.js';
import { watchOutput } from '../support/processes.js';
import { buildSeededServer } from '../support/seeded.js';
import { connectHttp, connectStdio, startHttpServer } from '../support/servers.js';

// chDB reads fd 0 as external data for any INSERT (chdb-io/chdb-core#239): with the protocol (or
// anything) waiting there, this seed failed on first start, or would have inserted those bytes.
const SEED = 'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events VALUES (1), (2), (3);\n';
const THREE = { rows: [{ n: '3' }], row_count: 1, truncated: false };

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the embedded engine never reads the process stdin', () => {
  it('seeds with INSERT ... VALUES over stdio, and the next start finds the data', async () => {
    const { serverJs } = buildSeededServer('stdin-stdio', SEED);
    const cwd = outsideDir('stdin-stdio');
    for (const start of ['first', 'second']) {
      const { client, stderr } = await connectStdio(serverJs, { cwd });
      try {
        const result = await client.callTool({ name: 'count_events', arguments: {} });
        expect(result.structuredContent).toEqual(THREE);
        if (start === 'first') expect(stderr()).toContain('seeded embedded database');
        else expect(stderr()).not.toContain('seeded embedded database');
      } finally {
        await client.close();
      }
    }
  });

  it('seeds with INSERT ... VALUES over HTTP while a pipe on stdin holds data', async () => {
    const { serverJs } = buildSeededServer('stdin-http', SEED);
    const server = await startHttpServer(serverJs, { stdin: '(9), (9)\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n' });
    try {
      expect(server.log()).toContain('seeded embedded database');
      expect(readlinkSync(`/proc/${server.process.pid}/fd/0`)).toBe('/dev/null');
      const client = await connectHttp(server.url, 'modern');
      expect((await client.callTool({ name: 'count_events', arguments: {} })).structuredContent).toEqual(THREE);
      await client.close();
    } finally {
      await server.stop();
    }
  });

  it('over stdio, serves from a child whose stdin is the null device, writes only protocol to stdout, and ends when the client closes stdin', async () => {
    const { serverJs } = buildSeededServer('stdin-raw', SEED);
    const launcher = spawn(process.execPath, [serverJs, '--transport', 'stdio'], { cwd: outsideDir('stdin-raw'), stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = watchOutput(launcher, 'stdout');
    const stderr = watchOutput(launcher, 'stderr');
    const exited = once(launcher, 'exit');
    const send = (message: object) => launcher.stdin!.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'count_events', arguments: {} } });

    const answer = await stdout.waitForLine((entry) => (entry.id === 2 ? entry : undefined), { timeoutMs: 60_000, what: 'the answer to tools/call' });
    expect(answer).toMatchObject({ jsonrpc: '2.0', result: { structuredContent: THREE } });
    const serverPid = await stderr.waitForLine((entry) => (entry.msg === 'serving' ? Number(entry.pid) : undefined), { timeoutMs: 1000, what: 'serving' });
    expect(serverPid).not.toBe(launcher.pid);
    expect(readlinkSync(`/proc/${serverPid}/fd/0`)).toBe('/dev/null');

    launcher.stdin!.end();
    expect(await exited).toEqual([0, null]);
    expect(isRunning(serverPid)).toBe(false);
    const lines = stdout.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });
});
