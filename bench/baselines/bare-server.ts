import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, fromJsonSchema, McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { openDirectClient } from '../load/direct.js';

/**
 * The baseline: a server written the way the SDK documents, with no mcpc in it. `McpServer`
 * with `registerTool`, from a per-request factory under `createMcpHandler`, schemas built once at
 * module load. Its `noop` tool is the protocol floor; its `point_query` and `select_one` run the
 * same SQL as mcpc's tools through `@clickhouse/client` on the same engine and data, and answer
 * the same way (rows as structured content under the same output schema, and as text), so that
 * the two servers do the same work for the same call.
 */
const client = await openDirectClient();
const empty = fromJsonSchema({ type: 'object', properties: {}, additionalProperties: false });
const byId = fromJsonSchema<{ id: number }>({
  type: 'object',
  properties: { id: { type: 'integer', minimum: 0 } },
  required: ['id'],
  additionalProperties: false,
});
const rowsOutput = fromJsonSchema({
  type: 'object',
  properties: { rows: { type: 'array', items: { type: 'object' } }, row_count: { type: 'integer', minimum: 0 }, truncated: { type: 'boolean' } },
  required: ['rows', 'row_count', 'truncated'],
});

async function rowsResult(query: string, params?: Record<string, unknown>) {
  const rows = await (await client.query({ query, ...(params ? { query_params: params } : {}), format: 'JSONEachRow' })).json<Record<string, unknown>>();
  const structuredContent = { rows, row_count: rows.length, truncated: false };
  return { content: [{ type: 'text' as const, text: JSON.stringify(structuredContent) }], structuredContent };
}

function factory(): McpServer {
  const server = new McpServer({ name: 'bare', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('noop', { description: 'Does nothing', inputSchema: empty }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  server.registerTool('point_query', { description: 'One event by id', inputSchema: byId, outputSchema: rowsOutput }, ({ id }) =>
    rowsResult('SELECT id, kind, amount, created FROM bench_events WHERE id = {id:UInt64}', { id }),
  );
  server.registerTool('select_one', { description: 'Returns 1', inputSchema: empty, outputSchema: rowsOutput }, () => rowsResult('SELECT 1 AS one'));
  return server;
}

const handler = toNodeHandler(createMcpHandler(factory));
const server = createServer((req, res) => void handler(req as Parameters<typeof handler>[0], res));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/mcp` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
