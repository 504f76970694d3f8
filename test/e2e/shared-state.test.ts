import { createServer } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outsideDir } from '../support/paths.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { buildPipeline, runToExit, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Budgets and idempotency records shared by two replicas through Redis
 * (test/e2e/budgets/shared.yaml, `state: { redis: ${env:MCPC_REDIS_URL} }`): two generated server
 * processes against one throwaway redis-server. Each replica has its own embedded ClickHouse (an
 * embedded data directory belongs to one process, and no shared ClickHouse server can run here),
 * so "one write" across replicas is checked as: the rows land in exactly one replica's table, and
 * the other answers the recorded outcome without writing.
 */
const redis = await startRedis();
const skipped = 'skipped' in redis ? redis.skipped : undefined;

describe.skipIf(skipped !== undefined)('state shared by two replicas in Redis', () => {
  const live = redis as TestRedis;
  const servers: RunningServer[] = [];
  const clients: Client[] = [];
  let a: Client;
  let b: Client;
  let serverJs: string;
  beforeAll(async () => {
    // Two builds: each replica's embedded database is a directory of its own.
    serverJs = buildPipeline('test/e2e/budgets/shared.yaml', 'shared');
    const env = { MCPC_REDIS_URL: live.url };
    servers.push(
      ...(await Promise.all([startHttpServer(serverJs, { env }), startHttpServer(buildPipeline('test/e2e/budgets/shared.yaml', 'shared'), { env })])),
    );
    const [first, second] = await Promise.all(servers.map((s) => connect(s.url, '10.1.0.1')));
    a = first!;
    b = second!;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
    await live.close();
  });

  async function connect(url: string, forwardedFor: string): Promise<Client> {
    const client = new Client({ name: 'mcpc-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-forwarded-for': forwardedFor } } }));
    clients.push(client);
    return client;
  }

  type Result = Awaited<ReturnType<Client['callTool']>>;
  const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
  const code = (result: Result) => result._meta?.['mcpc/error_code'];
  const count = async (client: Client) =>
    Number(((await client.callTool({ name: 'count_events', arguments: {} })).structuredContent as { rows: Array<{ n: string }> }).rows[0]!.n);

  it('throttles calls split over both replicas as one bucket', async () => {
    const results: Result[] = [];
    // Six a caller per hour, alternating replicas: the bucket is one, wherever the call lands.
    for (let i = 0; i < 8; i++) results.push(await (i % 2 === 0 ? a : b).callTool({ name: 'limited', arguments: {} }));
    expect(results.slice(0, 6).map((r) => r._meta?.['mcpc/budget'])).toEqual(
      [5, 4, 3, 2, 1, 0].map((remaining) => ({ class: 'six', remaining, limit: 6, per: 'hour' })),
    );
    expect(results.slice(6).map(code)).toEqual(['BUDGET.EXHAUSTED', 'BUDGET.EXHAUSTED']);
    expect(results[7]!._meta?.['mcpc/retry_after_ms']).toBeGreaterThan(9 * 60_000);
    // Another caller, on either replica, has a bucket of its own.
    const other = await connect(servers[1]!.url, '10.1.0.2');
    expect((await other.callTool({ name: 'limited', arguments: {} }))._meta?.['mcpc/budget']).toMatchObject({ remaining: 5 });
  });

  it("replays an insert's outcome on the other replica without writing again", async () => {
    const [beforeA, beforeB] = await Promise.all([count(a), count(b)]);
    const args = {
      rows: [
        { id: 1, kind: 'click' },
        { id: 2, kind: 'view' },
      ],
      idempotency_key: 'across-replicas',
    };
    const first = await a.callTool({ name: 'record_events', arguments: args });
    expect(first.isError, text(first)).toBeFalsy();
    const again = await b.callTool({ name: 'record_events', arguments: args });
    expect(again.isError, text(again)).toBeFalsy();
    expect(again.structuredContent).toEqual(first.structuredContent);
    expect(again._meta?.['mcpc/replayed']).toBe(true);
    expect(again._meta?.['mcpc/request_id']).toBe(first._meta?.['mcpc/request_id']);
    expect([(await count(a)) - beforeA, (await count(b)) - beforeB]).toEqual([2, 0]);
    // The same key with other arguments is a conflict on either replica.
    const conflict = await b.callTool({ name: 'record_events', arguments: { ...args, rows: [{ id: 3, kind: 'click' }] } });
    expect(code(conflict)).toBe('IDEMPOTENCY.CONFLICT');
  });

  it('writes once when both replicas get the same key at the same moment', async () => {
    const [beforeA, beforeB] = await Promise.all([count(a), count(b)]);
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: 100 + i, kind: 'click' }));
    const results = await Promise.all(
      [a, b, a, b].map((client) => client.callTool({ name: 'record_events', arguments: { rows, idempotency_key: 'same-moment' } })),
    );
    for (const result of results) expect(result.isError, text(result)).toBeFalsy();
    expect(new Set(results.map((r) => r._meta?.['mcpc/request_id'])).size).toBe(1);
    expect(results.filter((r) => r._meta?.['mcpc/replayed'] === true)).toHaveLength(3);
    // The rows are in one replica's table, once.
    const written = [(await count(a)) - beforeA, (await count(b)) - beforeB];
    expect(written.sort()).toEqual([0, 50]);
  });

  it('fails closed while Redis is down (STATE.UNAVAILABLE, nothing written), serves what needs no state, and recovers without a restart', async () => {
    const before = await count(a);
    await live.stop();
    try {
      const limited = await a.callTool({ name: 'limited', arguments: {} });
      expect(code(limited)).toBe('STATE.UNAVAILABLE');
      expect(text(limited)).toMatch(/shared state \(Redis\) did not answer while it checked the budget; retry after 1000 ms/);
      expect(limited._meta?.['mcpc/retry_after_ms']).toBe(1000);
      const write = await b.callTool({ name: 'record_events', arguments: { rows: [{ id: 900, kind: 'click' }], idempotency_key: 'while-down' } });
      expect(code(write)).toBe('STATE.UNAVAILABLE');
      expect((await a.callTool({ name: 'ping', arguments: {} })).isError).toBeFalsy();
      expect(await count(a)).toBe(before);
      const health = await (await fetch(servers[0]!.url.replace('/mcp', '/healthz'))).json();
      expect(health).toMatchObject({ status: 'degraded', state: { store: live.url, status: 'down' } });
    } finally {
      await live.start();
    }
    // The client reconnects by itself (within ~2 s); the Redis that came back is empty: full buckets.
    let result: Result | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      result = await b.callTool({ name: 'limited', arguments: {} });
      if (code(result) !== 'STATE.UNAVAILABLE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(result!.isError, text(result!)).toBeFalsy();
    expect(result!._meta?.['mcpc/budget']).toMatchObject({ remaining: 5 });
    expect(await (await fetch(servers[1]!.url.replace('/mcp', '/healthz'))).json()).toMatchObject({ status: 'ok', state: { status: 'ok' } });
    expect(servers[0]!.log()).toMatch(/the state store \(Redis\) is unreachable/);
    expect(servers[1]!.log()).toMatch(/the state store \(Redis\) is back/);
  });

  it('refuses to start when Redis does not answer, saying where it looked and never the password', async () => {
    const closed = createServer();
    await new Promise<void>((ready) => closed.listen(0, '127.0.0.1', () => ready()));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((done) => closed.close(() => done()));
    const { code: exit, stderr } = await runToExit(serverJs, { cwd: outsideDir('shared'), env: { MCPC_REDIS_URL: `redis://:hunter2@127.0.0.1:${port}/0` } });
    expect(exit).toBe(1);
    const line = stderr.split('\n').find((l) => l.includes('cannot start'));
    expect(JSON.parse(line!).msg).toMatch(
      new RegExp(`^cannot start: state\\.redis: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/0 \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)`),
    );
    expect(stderr).not.toContain('hunter2');
  });
});

if (skipped !== undefined) {
  describe('state shared by two replicas in Redis', () => {
    it.skip(`needs redis-server: ${skipped}`, () => undefined);
  });
}
