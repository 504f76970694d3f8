import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_HEADERS, rawRequest, rpcResult } from '../support/http.js';
import { buildPipeline, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Hostile arguments, sent as raw JSON-RPC the way an attacker would (no SDK client to tidy them
 * up), against a real server on embedded ClickHouse. Each finding of the attack on the example
 * server, reproduced and held.
 */
let server: RunningServer;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/security/pipelines/hostile.yaml', 'hostile'));
});
afterAll(async () => {
  await server?.stop();
});

const call = (name: string, args: unknown) =>
  rawRequest(server.url, { headers: LEGACY_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }) });

const textOf = (body: string) => rpcResult(body).result?.content?.[0]?.text ?? '';

describe('arguments a hostile client sends', () => {
  it('answers two million bad items with one short error, quickly, while /healthz keeps answering', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'summarize', arguments: { data: new Array(2_000_000).fill(1) } },
    });
    expect(body.length).toBeGreaterThan(3_900_000);
    const health = (async () => {
      const started = performance.now();
      const response = await fetch(server.url.replace('/mcp', '/healthz'));
      return { status: response.status, ms: performance.now() - started };
    })();
    const response = await rawRequest(server.url, { headers: LEGACY_HEADERS, body });
    expect(response.status).toBe(200);
    // Was 107 MB: now one problem, and the answer stays small whatever the input's size.
    expect(response.body.length).toBeLessThan(2_000);
    expect(textOf(response.body)).toContain("PARAMS.INVALID: argument 'data' must hold at most 10000 items (got 2000000 items)");
    expect((await health).status).toBe(200);
    // The log line about it is as small as the answer (it was 107 MB).
    const longest = Math.max(
      ...server
        .log()
        .split('\n')
        .map((line) => line.length),
    );
    expect(longest).toBeLessThan(4_000);
  });

  it('stops at the first bad item of a list, however many follow', async () => {
    const response = await call('summarize', { data: [{ created: '2024-01-01 00:00:00', amount: 1 }, ...new Array(5_000).fill('x')] });
    expect(textOf(response.body)).toMatch(/^PARAMS\.INVALID: argument 'data\[1\]' must be an object \(got "x"\) \(request [0-9a-f-]+\)$/);
  });

  it('counts 200,000 unknown keys instead of listing them', async () => {
    const args: Record<string, number> = { a: 1 };
    for (let i = 0; i < 200_000; i++) args[`k${i}`] = i;
    const response = await call('pick', args);
    expect(response.body.length).toBeLessThan(2_000);
    expect(textOf(response.body)).toContain('PARAMS.INVALID: arguments hold more than 1000 keys; no tool takes that many');
  });

  it('names the first few unknown arguments and counts the rest', async () => {
    const args: Record<string, string> = { a: 'x' };
    for (let i = 0; i < 50; i++) args[`extra${i}`] = 'y';
    const text = textOf((await call('pick', args)).body);
    expect(text).toContain("unknown arguments 'extra0', 'extra1', 'extra2', 'extra3', 'extra4' and 45 more; expected 'a', 'b'");
  });

  it('cuts a huge key name in what it answers', async () => {
    const text = textOf((await call('pick', { a: 'x', ['k'.repeat(100_000)]: 1 })).body);
    expect(text.length).toBeLessThan(500);
    expect(text).toContain(`unknown argument '${'k'.repeat(60)}…'`);
  });

  it('refuses arguments nested 100,000 levels deep as PARAMS.INVALID, before anything walks them', async () => {
    const depth = 100_000;
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"summarize","arguments":{"data":[${'['.repeat(depth)}${']'.repeat(depth)}]}}}`;
    const response = await rawRequest(server.url, { headers: LEGACY_HEADERS, body });
    const text = textOf(response.body);
    expect(text).toContain('PARAMS.INVALID: arguments are nested deeper than 16 levels');
    expect(text).not.toContain('call stack');
  });

  it('refuses an argument named __proto__ like any unknown argument, at the top and inside', async () => {
    const top = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pick","arguments":{"a":"x","__proto__":"y"}}}';
    expect(textOf((await rawRequest(server.url, { headers: LEGACY_HEADERS, body: top })).body)).toContain("PARAMS.INVALID: unknown argument '__proto__'");
    const polluting = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pick","arguments":{"__proto__":{"a":"smuggled"}}}}';
    const answer = textOf((await rawRequest(server.url, { headers: LEGACY_HEADERS, body: polluting })).body);
    expect(answer).toContain("PARAMS.INVALID: unknown argument '__proto__'");
    expect(answer).not.toContain('smuggled');
    const inside = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"summarize","arguments":{"data":[{"__proto__":{"amount":1}}]}}}';
    expect(textOf((await rawRequest(server.url, { headers: LEGACY_HEADERS, body: inside })).body)).toContain("a key named '__proto__', which is refused");
  });

  it('refuses dates ClickHouse would clamp, for each date type, and takes the ends of each range', async () => {
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ d: '1900-01-01' }, "argument 'd' must be >= 1970-01-01"],
      [{ d: '9999-12-31' }, "argument 'd' must be <= 2149-06-06"],
      [{ d32: '1899-12-31' }, "argument 'd32' must be >= 1900-01-01"],
      [{ d32: '2300-01-01' }, "argument 'd32' must be <= 2299-12-31"],
      [{ dt: '1969-12-31T23:59:59Z' }, "argument 'dt' must be >= 1970-01-01T00:00:00Z"],
      [{ dt: '2106-02-07T06:28:16Z' }, "argument 'dt' must be <= 2106-02-07T06:28:15Z"],
      [{ dt64: '1899-12-31T23:59:59Z' }, "argument 'dt64' must be >= 1900-01-01T00:00:00Z"],
      [{ epoch: 4294967296 }, "argument 'epoch' must be <= 4294967295"],
    ];
    for (const [args, message] of refused) {
      const text = textOf((await call('dates', args)).body);
      expect(text, JSON.stringify(args)).toContain('PARAMS.INVALID');
      expect(text, JSON.stringify(args)).toContain(message);
    }
    const ends = await call('dates', { d: '2149-06-06', d32: '1900-01-01', dt: '1970-01-01T00:00:00Z', dt64: '2299-12-31T23:59:59Z', epoch: 0 });
    expect(rpcResult(ends.body).result?.structuredContent).toEqual({
      rows: [{ d: '2149-06-06', d32: '1900-01-01', dt: '1970-01-01T00:00:00Z', dt64: '2299-12-31T23:59:59.000Z', epoch: '1970-01-01T00:00:00Z' }],
      row_count: 1,
      truncated: false,
    });
  });

  it('binds early epoch seconds, which ClickHouse reads as something else when written short', async () => {
    const early = await call('dates', { dt: '1970-01-01T00:00:05Z', dt64: '1969-12-31T23:59:55.5Z', epoch: 7 });
    expect(rpcResult(early.body).result?.structuredContent).toMatchObject({
      rows: [{ dt: '1970-01-01T00:00:05Z', dt64: '1969-12-31T23:59:55.500Z', epoch: '1970-01-01T00:00:07Z' }],
    });
  });

  it('reads an empty list through format() as no rows, not as an engine error', async () => {
    const response = await call('summarize', { data: [] });
    expect(rpcResult(response.body).result).toMatchObject({ structuredContent: { rows: [], row_count: 0, truncated: false } });
    const one = await call('summarize', { data: [{ created: '2024-01-01 10:00:00', amount: 2.5 }] });
    expect(rpcResult(one.body).result?.structuredContent).toMatchObject({ rows: [{ day: '2024-01-01', orders: '1', total: '2.5' }] });
  });
});
