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
    expect(tools.map((t) => t.name)).toEqual([
      'query_orders',
      'orders_by_region',
      'summarize_orders',
      'order_events_since',
      'explore_orders',
      'notify_analytics',
      'order_analytics',
    ]);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.name)).toEqual(['production_orders', 'anonymized_orders', 'analytics_summaries', 'order_events', 'health', 'manifest']);
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

  it('runs order_analytics end to end: fetches, totals and publishes once per idempotency key', async () => {
    const args = { from: '2024-01-01', to: '2024-01-07', idempotency_key: 'week-1' };
    const first = await client.callTool({ name: 'order_analytics', arguments: args });
    expect(first.isError, JSON.stringify(first.content)).toBeFalsy();
    const summary = first.structuredContent as { rows: Array<{ period: string; orders: string; total: string }> };
    expect(summary.rows.map((r) => r.period)).toEqual(['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06', '2024-01-07']);
    // A retry (an agent that timed out) gets the first answer and publishes nothing again.
    const retry = await client.callTool({ name: 'order_analytics', arguments: args });
    expect(retry._meta?.['mcpc/replayed']).toBe(true);
    expect(retry._meta?.['mcpc/request_id']).toBe(first._meta?.['mcpc/request_id']);
    // The publish step wrote the totals under a key derived from the pipeline's: the same write
    // called directly is a replay of that step's call.
    const again = await client.callTool({ name: 'notify_analytics', arguments: { rows: summary.rows, idempotency_key: 'week-1/publish' } });
    expect(again._meta?.['mcpc/replayed']).toBe(true);
    expect(again._meta?.['mcpc/request_id']).toBe(`${String(first._meta?.['mcpc/request_id'])}.publish`);
    expect(again.structuredContent).toEqual({ table: 'analytics_summaries', rows_written: 7, idempotency_key: 'week-1/publish' });
  });

  it('logs to stderr only, as JSON lines, so stdout stays the protocol', () => {
    const lines = serverLog().trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(serverLog()).toContain('"transport":"stdio"');
  });
});
