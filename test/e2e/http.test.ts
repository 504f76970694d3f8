import { request } from 'node:http';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let orders: RunningServer;
beforeAll(async () => {
  orders = await startHttpServer(buildPipeline('pipelines/orders.yaml', 'orders'));
});
afterAll(async () => {
  await orders?.stop();
});

function text(result: { content?: unknown }): string {
  const [first] = (result.content ?? []) as Array<{ type: string; text: string }>;
  return first?.text ?? '';
}

describe.each(['legacy', 'modern'] as const)('the example over Streamable HTTP, %s protocol era', (era) => {
  let client: Client;
  beforeAll(async () => {
    client = await connectHttp(orders.url, era);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('lists the tools an anonymous caller may see, with schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['orders_by_region', 'summarize_orders', 'order_events_since', 'explore_orders']);
    const byRegion = tools[0]!;
    expect(byRegion.description).toContain('per region');
    // Its examples, as the model reads them (pipelines/orders.yaml, run by `mcpc test`).
    expect(byRegion.description).toContain('\n\nExamples:\n- January 2024, every region: orders_by_region({"from":"2024-01-01","to":"2024-01-31"}) → 4 rows;');
    expect(byRegion.inputSchema).toMatchObject({ type: 'object', required: ['from', 'to'], additionalProperties: false });
    expect(byRegion.outputSchema).toMatchObject({ type: 'object', required: ['rows', 'row_count', 'truncated', 'next_cursor'] });
    expect(byRegion.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });

  it('runs a query tool and returns rows as structured content and as the same JSON text', async () => {
    const result = await client.callTool({ name: 'orders_by_region', arguments: { from: '2024-01-01', to: '2024-01-31' } });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { rows: Array<{ region: string; orders: string }>; row_count: number; truncated: boolean };
    expect(structured.row_count).toBe(4);
    expect(structured.truncated).toBe(false);
    expect(structured.rows.map((r) => r.region).sort()).toEqual(['east', 'north', 'south', 'west']);
    // Counts are UInt64, quoted so values beyond 2^53 arrive exactly.
    expect(structured.rows.reduce((sum, r) => sum + Number(r.orders), 0)).toBe(859);
    expect(JSON.parse(text(result))).toEqual(structured);
    expect(result._meta?.['mcpc/request_id']).toMatch(UUID);
  });

  it('runs a SELECT the model wrote over anonymized orders, rows typed as JSON, and refuses one over production orders', async () => {
    const { tools } = await client.listTools();
    const explore = tools.find((t) => t.name === 'explore_orders')!;
    // The description tells the model the tables and columns it may use, from the catalog.
    expect(explore.description).toContain('- orders_anon(order_id UInt64, customer_id UInt64, region LowCardinality(String), amount Decimal(12, 2)');
    expect(explore.inputSchema).toMatchObject({ required: ['sql'], properties: { sql: { type: 'string', maxLength: 4000 } } });
    const result = await client.callTool({
      name: 'explore_orders',
      arguments: {
        sql: "SELECT region, count() AS orders, sum(amount) AS revenue, min(created) AS first\nFROM orders_anon\nWHERE toDate(created) BETWEEN '2024-01-01' AND '2024-01-31'\nGROUP BY region ORDER BY region -- per region",
      },
    });
    expect(result.isError, text(result)).toBeFalsy();
    const structured = result.structuredContent as { rows: Array<{ region: string; orders: string; revenue: string; first: string }>; columns: unknown };
    expect(structured.rows.map((r) => r.region)).toEqual(['east', 'north', 'south', 'west']);
    // UInt64 and Decimal as exact strings, DateTime as RFC 3339 in UTC: as declared tools return them.
    expect(structured.rows.reduce((sum, r) => sum + Number(r.orders), 0)).toBe(859);
    expect(structured.rows[0]!.revenue).toMatch(/^\d+\.\d{1,2}$|^\d+$/);
    expect(structured.rows[0]!.first).toMatch(/^2024-01-01T\d\d:\d\d:\d\dZ$/);
    expect(structured.columns).toEqual([
      { name: 'region', type: 'LowCardinality(String)' },
      { name: 'orders', type: 'UInt64' },
      { name: 'revenue', type: 'Decimal(38, 2)' },
      { name: 'first', type: "DateTime('UTC')" },
    ]);
    expect(JSON.parse(text(result))).toEqual(structured);
    const refused = await client.callTool({ name: 'explore_orders', arguments: { sql: 'SELECT customer FROM orders' } });
    expect(refused.isError).toBe(true);
    expect(refused._meta?.['mcpc/error_code']).toBe('SQL.REFUSED');
    expect(text(refused)).toContain('it reads orders, which this tool may not read; it may read: orders_anon');
  });

  it('gives every call its own request id', async () => {
    const args = { from: '2024-02-01', to: '2024-02-02' };
    const [a, b] = await Promise.all([
      client.callTool({ name: 'orders_by_region', arguments: args }),
      client.callTool({ name: 'orders_by_region', arguments: args }),
    ]);
    expect(a._meta?.['mcpc/request_id']).not.toBe(b._meta?.['mcpc/request_id']);
  });

  it('binds a list argument as JSON text and applies enum defaults', async () => {
    const data = [
      { created: '2024-01-01 10:00:00', amount: 5.5, extra: 'ignored' },
      { created: '2024-01-02 11:00:00', amount: 4.5 },
      { created: '2024-01-09 12:00:00', amount: 1 },
    ];
    const weekly = await client.callTool({ name: 'summarize_orders', arguments: { data, aggregate: 'weekly' } });
    expect((weekly.structuredContent as { rows: unknown[] }).rows).toEqual([
      { period: '2024-01-01', orders: '2', total: '10' },
      { period: '2024-01-08', orders: '1', total: '1' },
    ]);
    const daily = await client.callTool({ name: 'summarize_orders', arguments: { data } });
    expect((daily.structuredContent as { row_count: number }).row_count).toBe(3);
  });

  it('answers wrong, missing and extra arguments with an isError result that says what to fix', async () => {
    const wrong = await client.callTool({ name: 'orders_by_region', arguments: { from: '2024-02-30', to: 20240301 } });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toContain('PARAMS.INVALID');
    expect(text(wrong)).toContain("argument 'from' must be a valid date");
    expect(text(wrong)).toContain("argument 'to' must be a string (got 20240301)");
    expect(wrong._meta?.['mcpc/error_code']).toBe('PARAMS.INVALID');

    const missing = await client.callTool({ name: 'orders_by_region', arguments: { from: '2024-01-01' } });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain("missing required argument 'to'");

    const extra = await client.callTool({ name: 'orders_by_region', arguments: { from: '2024-01-01', to: '2024-01-02', region: 'north' } });
    expect(extra.isError).toBe(true);
    expect(text(extra)).toContain("unknown argument 'region'; expected 'from', 'to'");

    const none = await client.callTool({ name: 'summarize_orders' });
    expect(none.isError).toBe(true);
    expect(text(none)).toContain("missing required argument 'data'");
  });

  it('keeps serving after bad calls', async () => {
    const result = await client.callTool({ name: 'orders_by_region', arguments: { from: '2024-03-01', to: '2024-03-01' } });
    expect(result.isError).toBeFalsy();
  });

  it('treats a tool hidden from the caller exactly like one that does not exist', async () => {
    await expect(client.callTool({ name: 'query_orders', arguments: { from: '2024-01-01', to: '2024-01-02' } })).rejects.toThrow(/Unknown tool: query_orders/);
    await expect(client.callTool({ name: 'drop_everything', arguments: {} })).rejects.toThrow(/Unknown tool: drop_everything/);
  });

  it('lists and reads the resources the caller may see, with columns and types', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['mcpc://orders/anonymized_orders', 'mcpc://orders/order_events', 'mcpc://health', 'mcpc://manifest']);
    const read = await client.readResource({ uri: 'mcpc://orders/anonymized_orders' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { table: string; columns: Array<{ name: string; type: string }> };
    expect(body.table).toBe('orders_anon');
    expect(body.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'order_id UInt64',
      'customer_id UInt64',
      'region LowCardinality(String)',
      'amount Decimal(12, 2)',
      "created DateTime('UTC')",
    ]);
    await expect(client.readResource({ uri: 'mcpc://orders/production_orders' })).rejects.toThrow();
  });
});

const rawPost = (url: string, body: string, headers: Record<string, string>) => rawRequest(url, { body, headers });

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('HTTP edge of the example server', () => {
  it('reports each source on /healthz', async () => {
    const response = await fetch(orders.url.replace('/mcp', '/healthz'));
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      status: string;
      server: { name: string; content_hash: string };
      sources: Record<string, { status: string; engine: string }>;
    };
    expect(report.status).toBe('ok');
    expect(report.server.name).toBe('orders');
    expect(report.server.content_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.sources.warehouse).toMatchObject({ status: 'ok', engine: 'embedded' });
  });

  it('refuses a foreign Host or Origin (DNS rebinding) and accepts localhost ones', async () => {
    const port = new URL(orders.url).port;
    const evilHost = await rawPost(orders.url, initialize, { host: 'evil.example.com', origin: 'http://evil.example.com' });
    expect(evilHost.status).toBe(403);
    const evilOrigin = await rawPost(orders.url, initialize, { host: `127.0.0.1:${port}`, origin: 'http://evil.example.com' });
    expect(evilOrigin.status).toBe(403);
    const inspector = await rawPost(orders.url, initialize, { host: `localhost:${port}`, origin: 'http://localhost:6274' });
    expect(inspector.status).toBe(200);
  });

  it('answers malformed JSON-RPC with an error status and keeps serving', async () => {
    const port = new URL(orders.url).port;
    const garbage = await rawPost(orders.url, '{"jsonrpc": "2.0", "id": 1, "method": ', { host: `127.0.0.1:${port}` });
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect(garbage.status).toBeLessThan(500);
    const notRpc = await rawPost(orders.url, '[1, 2, 3]', { host: `127.0.0.1:${port}` });
    expect(notRpc.status).toBeGreaterThanOrEqual(400);
    const ok = await rawPost(orders.url, initialize, { host: `127.0.0.1:${port}` });
    expect(ok.status).toBe(200);
  });

  it('refuses an oversized body before reading it', async () => {
    // The server must decide from Content-Length alone: the client sends the headers and a first
    // kilobyte of a 5 MiB body, and gets its answer without sending the rest.
    const target = new URL(orders.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': String(5 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (error) => reject(error));
      req.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"summarize_orders","arguments":{"data":"'.padEnd(1024, 'x'));
    });
    expect(status).toBe(413);
  });

  it('answers other paths with 404', async () => {
    const response = await fetch(orders.url.replace('/mcp', '/admin'));
    expect(response.status).toBe(404);
  });
});
