import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseFront, type FrontProcess } from '../support/clickhouse-front-process.js';
import { outsideDir, repoRoot } from '../support/paths.js';
import { freePort } from '../support/processes.js';
import { buildPipeline, connectHttp, runToExit, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Faults of a remote source, with real processes on loopback: the ClickHouse HTTP front
 * (test/support/clickhouse-front.ts) dies while a query runs and while a stream is half written,
 * stays down a while, and comes back on the same port and data. Callers get clear errors (no hang,
 * no internal error), health says degraded, and the same server process recovers.
 */
const PASSWORD = 'front-password';
let front: FrontProcess;
let server: RunningServer;
let client: Client;
let serverJs: string;
/** Every call the tests made, by outcome: `ok` or the error code. */
const figures = new Map<string, number>();
beforeAll(async () => {
  serverJs = buildPipeline('test/e2e/remote-front/remote-front.yaml', 'remote_front');
  const dir = join(repoRoot, 'test', 'e2e', 'remote-front');
  front = await startClickHouseFront({
    dataDir: mkdtempSync(join(tmpdir(), 'mcpc-front-')),
    password: PASSWORD,
    seedFiles: [join(dir, 'schema.sql'), join(dir, 'data.sql')],
  });
  server = await startHttpServer(serverJs, { env: { CLICKHOUSE_URL: front.url, CLICKHOUSE_PASSWORD: PASSWORD, MCPC_CURSOR_SECRET: 'a-cursor-secret' } });
  client = await connectHttp(server.url, 'legacy');
});
afterAll(async () => {
  const calls = [...figures.values()].reduce((sum, n) => sum + n, 0);
  console.log(`remote faults: ${calls} calls; ${[...figures].map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`);
  await client?.close();
  await server?.stop();
  await front?.stop();
});

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
const outcome = (result: Result) => (result.isError ? (/^([A-Z_]+\.[A-Z_]+):/.exec(text(result))?.[1] ?? 'UNCODED') : 'ok');

/** A call with a bound on its time: a hang fails the test instead of stalling it. */
async function call(name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>): Promise<Result> {
  const result = await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) }, { timeout: 30_000 });
  figures.set(outcome(result), (figures.get(outcome(result)) ?? 0) + 1);
  return result;
}

async function health(): Promise<{ status: string; sources: { db: { status: string; error?: string } } }> {
  const response = await fetch(server.url.replace('/mcp', '/healthz'));
  expect(response.status).toBe(200);
  return (await response.json()) as Awaited<ReturnType<typeof health>>;
}

/** While the front is down: every call answers SOURCE.UNAVAILABLE at once, and health says degraded. */
async function expectDown(): Promise<void> {
  for (const n of [1, 2, 3]) {
    const result = await call('numbers', { n });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^SOURCE\.UNAVAILABLE: the ClickHouse source is unavailable; try again later/);
  }
  const report = await health();
  expect(report).toMatchObject({ status: 'degraded', sources: { db: { status: 'down' } } });
}

/** After a restart: the same server process answers again (the first call may meet a socket of the dead front). */
async function expectRecovered(): Promise<void> {
  await front.restart();
  const deadline = Date.now() + 20_000;
  let result = await call('numbers', { n: 3 });
  while (result.isError && Date.now() < deadline) {
    expect(text(result)).toMatch(/^SOURCE\.UNAVAILABLE/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    result = await call('numbers', { n: 3 });
  }
  expect(result.isError, text(result)).toBeFalsy();
  expect(result.structuredContent).toMatchObject({ row_count: 3 });
  expect(await health()).toMatchObject({ status: 'ok', sources: { db: { status: 'ok' } } });
}

describe('a remote source whose ClickHouse server fails', () => {
  it('answers a call whose query the server dies under with SOURCE.UNAVAILABLE, then recovers without a restart', async () => {
    expect((await call('numbers', { n: 2 })).isError).toBeFalsy();
    await front.fault({ exit_on_query: 'sipHash64(number)' });
    const result = await call('slow');
    await front.exited(10_000);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^SOURCE\.UNAVAILABLE: the ClickHouse source is unavailable; try again later/);
    await expectDown();
    await expectRecovered();
    expect(server.process.exitCode).toBeNull();
  });

  it('ends a stream whose response the server dies half-way through with a clear error, then streams whole again', async () => {
    // The stream of all events is about 2.6 MB of JSON: the front dies after 1.5 MB of it.
    await front.fault({ exit_mid_response: { query: 'FROM events\nORDER BY id ASC', after_bytes: 1_500_000 } });
    const token = 'faulty-stream';
    const received: number[] = [];
    const anything = { '~standard': { version: 1 as const, vendor: 'mcpc-test', validate: (value: unknown) => ({ value }) } };
    client.setNotificationHandler('notifications/tools/partial_result', { params: anything }, (params) => {
      const partial = params as unknown as { partialResultToken: string; structuredContent: { row_count: number } };
      if (partial.partialResultToken === token) received.push(partial.structuredContent.row_count);
    });
    const broken = await call('all_events', {}, { partialResultToken: token });
    await front.exited(10_000);
    expect(broken.isError).toBe(true);
    expect(text(broken)).toMatch(/^SOURCE\.UNAVAILABLE: the ClickHouse source is unavailable; try again later/);
    // Rows left before the front died: the client got some of them, never all.
    const rowsBefore = received.reduce((sum, n) => sum + n, 0);
    expect(rowsBefore).toBeGreaterThan(0);
    expect(rowsBefore).toBeLessThan(60000);
    await expectDown();
    await expectRecovered();
    const again: number[] = [];
    client.setNotificationHandler('notifications/tools/partial_result', { params: anything }, (params) => {
      const partial = params as unknown as { partialResultToken: string; structuredContent: { row_count: number } };
      if (partial.partialResultToken === 'whole-stream') again.push(partial.structuredContent.row_count);
    });
    const whole = await call('all_events', {}, { partialResultToken: 'whole-stream' });
    expect(whole.isError, text(whole)).toBeFalsy();
    expect(again.reduce((sum, n) => sum + n, 0)).toBe(60000);
    const report = (await (await fetch(server.url.replace('/mcp', '/healthz'))).json()) as { streams: { open: number } };
    expect(report.streams.open).toBe(0);
    console.log(`remote faults: the broken stream delivered ${rowsBefore} of 60000 rows before its error`);
  });

  it('refuses to start against a server that refuses its credentials, saying so (not "unreachable")', async () => {
    if (front.process().exitCode !== null || front.process().signalCode !== null) await front.restart();
    const { code, stderr } = await runToExit(serverJs, {
      cwd: outsideDir('remote-faults'),
      env: { CLICKHOUSE_URL: front.url, CLICKHOUSE_PASSWORD: 'not-the-password', MCPC_CURSOR_SECRET: 'a-cursor-secret' },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `cannot start: source 'db': ClickHouse at ${front.url} refused the credentials of user 'default': ` +
        "default: Authentication failed: password is incorrect, or there is no user with such name; check the source's username and password",
    );
    expect(stderr).not.toContain('unreachable');
    expect(stderr).not.toContain('not-the-password');
  });
  it('answers SOURCE.REFUSED once a server that was down at start comes up refusing the credentials', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpc-front-'));
    const port = await freePort();
    const late = await startHttpServer(serverJs, {
      env: { CLICKHOUSE_URL: `http://127.0.0.1:${port}`, CLICKHOUSE_PASSWORD: 'the-old-password', MCPC_CURSOR_SECRET: 'a-cursor-secret' },
    });
    let other: FrontProcess | undefined;
    try {
      expect(late.log()).toContain('source unreachable at start; serving degraded');
      other = await startClickHouseFront({ dataDir, port, password: 'a-new-password' });
      const lateClient = await connectHttp(late.url, 'legacy');
      const result = await lateClient.callTool({ name: 'numbers', arguments: { n: 1 } }, { timeout: 30_000 });
      await lateClient.close();
      figures.set(outcome(result), (figures.get(outcome(result)) ?? 0) + 1);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^SOURCE\.REFUSED: source 'db': ClickHouse at http:\/\/127\.0\.0\.1:\d+ refused the credentials of user 'default': /);
      expect(text(result)).not.toContain('the-old-password');
      const report = (await (await fetch(late.url.replace('/mcp', '/healthz'))).json()) as { status: string; sources: { db: { status: string } } };
      expect(report).toMatchObject({ status: 'degraded', sources: { db: { status: 'down' } } });
      expect(late.log()).not.toContain('the-old-password');
    } finally {
      await late.stop();
      await other?.stop();
    }
  });
});
