import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDev, type DevProcess } from '../support/dev.js';
import { outsideDir, repoRoot, scratchDir } from '../support/paths.js';
import { freePort } from '../support/processes.js';
import { connectHttp, runToExit } from '../support/servers.js';

let dir: string;
let dev: DevProcess;
let port: number;
const waitFor = (text: string, times?: number) => dev.waitFor(text, times);

const toolNames = async () => {
  const client = await connectHttp(`http://127.0.0.1:${port}/mcp`, 'legacy');
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
};

beforeAll(async () => {
  dir = scratchDir('dev');
  // The example's directory, without an embedded database a local `npm start` may have left there.
  cpSync(join(repoRoot, 'pipelines'), dir, { recursive: true, filter: (path) => !path.includes('.mcpc') });
  port = await freePort();
  dev = startDev(['orders.yaml', '--port', String(port)], dir);
  await waitFor("mcpc dev: serving 'orders'");
});

afterAll(async () => {
  if (dev && dev.process.exitCode === null) {
    dev.process.kill('SIGKILL');
  }
});

describe('mcpc dev', () => {
  it('builds, seeds the embedded database and serves over HTTP, saying how to connect', async () => {
    expect(dev.output()).toContain(`MCP endpoint   http://127.0.0.1:${port}/mcp`);
    expect(dev.output()).toContain(
      'HTTP callers without a token are anonymous; tools over authenticated resources (query_orders, notify_analytics, order_analytics) need',
    );
    expect(dev.output()).toContain('seeded embedded database');
    expect(await toolNames()).toEqual(['orders_by_region', 'summarize_orders', 'order_events_since', 'explore_orders']);
  });

  it('holds its data directory: a second server on it is refused, saying how to stop mcpc dev', async () => {
    const second = await runToExit(join(dir, 'build', 'orders', 'server.js'), { cwd: outsideDir('dev-second') });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`it is the server of \`mcpc dev\` (pid ${dev.process.pid}): stop \`mcpc dev\` (Ctrl-C in its terminal) and start again`);
  });

  it('rebuilds and restarts when the pipeline changes', async () => {
    const path = join(dir, 'orders.yaml');
    const extra = `  order_count:\n    kind: query\n    description: How many orders there are\n    reads: [anonymized_orders]\n    sql: SELECT count() AS orders FROM orders_anon\n\n`;
    writeFileSync(path, readFileSync(path, 'utf8').replace('  summarize_orders:\n', `${extra}  summarize_orders:\n`));
    await waitFor("mcpc dev: serving 'orders'", 2);
    expect(await toolNames()).toEqual(['orders_by_region', 'order_count', 'summarize_orders', 'order_events_since', 'explore_orders']);
  });

  it('prints the diagnostics of a broken edit and keeps the last good server running', async () => {
    const path = join(dir, 'orders.yaml');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('SELECT count() AS orders FROM orders_anon', 'SELECT count() FROM orders_anon WHERE x = {missing:UInt8}'),
    );
    // The summary line is written after the diagnostics, so waiting for it sees both.
    await waitFor('the previous build keeps serving until the file is fixed');
    expect(dev.output()).toContain('error MCPC_SQL_PLACEHOLDER_UNDECLARED: placeholder {missing:UInt8} has no declared param');
    expect(await toolNames()).toEqual(['orders_by_region', 'order_count', 'summarize_orders', 'order_events_since', 'explore_orders']);
  });

  it('stops the server and exits 0 on Ctrl-C', async () => {
    const exited = new Promise<number | null>((done) => dev.process.once('exit', (code) => done(code)));
    dev.process.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
