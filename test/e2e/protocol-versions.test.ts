import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * The example served to clients of every protocol version mcpc supports, with real requests
 * (initialize, tools/list, tools/call, resources/read) rather than a handshake alone; and an
 * unsupported version answered as the specification asks.
 */
let server: RunningServer;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('pipelines/orders.yaml', 'orders'));
});
afterAll(async () => {
  await server?.stop();
});

interface JsonRpcAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** One JSON-RPC request as a client of `version` sends it; the answer, from JSON or from the SSE stream. */
async function call(version: string, method: string, params: Record<string, unknown>): Promise<{ status: number; answer?: JsonRpcAnswer }> {
  const response = await rawRequest(server.url, {
    headers: method === 'initialize' ? {} : { 'mcp-protocol-version': version },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const data = response.body.trim().startsWith('{')
    ? response.body
    : response.body
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .filter((line) => line.includes('"id"'))
        .at(-1);
  return { status: response.status, ...(data ? { answer: JSON.parse(data) as JsonRpcAnswer } : {}) };
}

const clientInfo = { name: 'raw', version: '1' };

describe.each(['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'])('a client on protocol %s', (version) => {
  it('initializes, lists and calls tools, and reads a resource', async () => {
    const init = await call(version, 'initialize', { protocolVersion: version, capabilities: {}, clientInfo });
    expect(init.answer?.result?.protocolVersion).toBe(version);
    expect(init.answer?.result?.capabilities).toHaveProperty('tools');

    const list = await call(version, 'tools/list', {});
    expect(list.status).toBe(200);
    const tools = (list.answer!.result!.tools as Array<{ name: string }>).map((t) => t.name);
    expect(tools).toEqual(['orders_by_region', 'summarize_orders', 'order_events_since', 'explore_orders']);

    const result = await call(version, 'tools/call', { name: 'orders_by_region', arguments: { from: '2024-01-01', to: '2024-01-31' } });
    const content = result.answer?.result?.content as Array<{ type: string; text: string }>;
    expect(result.answer?.result?.isError).toBeFalsy();
    expect(JSON.parse(content[0]!.text)).toMatchObject({ row_count: 4, truncated: false });

    const read = await call(version, 'resources/read', { uri: 'mcpc://orders/anonymized_orders' });
    const contents = read.answer?.result?.contents as Array<{ text: string }>;
    expect(JSON.parse(contents[0]!.text)).toMatchObject({ resource: 'anonymized_orders', table: 'orders_anon' });
  });
});

describe('a client on protocol 2026-07-28', () => {
  it('negotiates it with the stock client, lists and calls tools, and reads a resource', async () => {
    const client = await connectHttp(server.url, 'modern');
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['orders_by_region', 'summarize_orders', 'order_events_since', 'explore_orders']);
      const result = await client.callTool({ name: 'orders_by_region', arguments: { from: '2024-01-01', to: '2024-01-31' } });
      expect(result.structuredContent).toMatchObject({ row_count: 4, truncated: false });
      const read = await client.readResource({ uri: 'mcpc://orders/anonymized_orders' });
      expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ table: 'orders_anon' });
    } finally {
      await client.close();
    }
  });
});

describe('a client on a protocol version mcpc does not support', () => {
  it('is offered a supported version at initialize, and its requests under the unknown version are refused', async () => {
    const init = await call('1999-01-01', 'initialize', { protocolVersion: '1999-01-01', capabilities: {}, clientInfo });
    // The specification: the server answers with a version it supports, and the client decides.
    expect(init.answer?.result?.protocolVersion).toMatch(/^20\d\d-\d\d-\d\d$/);
    expect(init.answer?.result?.protocolVersion).not.toBe('1999-01-01');

    const list = await call('1999-01-01', 'tools/list', {});
    expect(list.status).toBe(400);
    expect(JSON.stringify(list.answer ?? {})).toMatch(/protocol version/i);
  });
});
