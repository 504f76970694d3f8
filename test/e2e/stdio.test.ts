import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectStdio } from '../support/servers.js';

let client: Client;
let serverLog: () => string;
beforeAll(async () => {
  ({ client, stderr: serverLog } = await connectStdio(buildPipeline('pipelines/orders.yaml', 'orders')));
});
afterAll(async () => {
  await client?.close();
});

describe('the example over stdio, launched by a stock SDK client', () => {
  it('shows the local operator every tool, including those over authenticated resources', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['query_orders', 'orders_by_region', 'summarize_orders', 'order_analytics']);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.name)).toEqual(['production_orders', 'anonymized_orders']);
  });

  it('runs query_orders with its default limit and explicit limits', async () => {
    const defaults = await client.callTool({ name: 'query_orders', arguments: { from: '2024-01-01', to: '2024-01-31' } });
    const rows = (defaults.structuredContent as { rows: Array<{ order_id: string; customer: string; created: string }> }).rows;
    expect(rows).toHaveLength(100);
    expect(rows[0]).toMatchObject({ order_id: '1', customer: 'Acme Corp', created: '2024-01-01T00:00:00Z' });
    const three = await client.callTool({ name: 'query_orders', arguments: { from: '2024-01-01', to: '2024-01-31', limit: 3 } });
    expect((three.structuredContent as { row_count: number }).row_count).toBe(3);
  });

  it('answers bad arguments with isError and keeps the connection', async () => {
    const bad = await client.callTool({ name: 'query_orders', arguments: { from: 'yesterday', to: '2024-01-31', limit: 0 } });
    expect(bad.isError).toBe(true);
    const [content] = bad.content as Array<{ text: string }>;
    expect(content!.text).toContain("argument 'from' must be a valid date");
    expect(content!.text).toContain("argument 'limit' must be >= 1 (got 0)");
    const good = await client.callTool({ name: 'orders_by_region', arguments: { from: '2024-06-01', to: '2024-06-30' } });
    expect(good.isError).toBeFalsy();
  });

  it('logs to stderr only, as JSON lines, so stdout stays the protocol', () => {
    const lines = serverLog().trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(serverLog()).toContain('"transport":"stdio"');
  });
});
