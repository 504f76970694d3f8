import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Insert tools and pipelines that write, on embedded ClickHouse with a stock client
 * (test/e2e/writes/writes.yaml): one copy per idempotency key however often and however
 * concurrently a write is retried, refused keys and rows, and ClickHouse's own deduplication
 * once the server has forgotten a key.
 */
let serverJs: string;
let server: RunningServer;
let client: Client;
beforeAll(async () => {
  serverJs = buildPipeline('test/e2e/writes/writes.yaml', 'writes');
  server = await startHttpServer(serverJs);
  client = await connectHttp(server.url, 'legacy');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
const requestId = (result: Result) => result._meta?.['mcpc/request_id'] as string;

async function counts(via = client): Promise<{ n: number; ids: number; twice: number }> {
  const result = await via.callTool({ name: 'count_events', arguments: {} });
  const row = (result.structuredContent as { rows: Array<{ n: string; ids: string; twice: string }> }).rows[0]!;
  return { n: Number(row.n), ids: Number(row.ids), twice: Number(row.twice) };
}

const event = (id: number, extra: Record<string, unknown> = {}) => ({ id, kind: 'click', day: '2024-05-01', at: '2024-05-01T10:00:00Z', ...extra });

describe('insert tools', () => {
  it('lists an insert tool as a write that destroys nothing and happens once per key, its rows typed by the table', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'record_events')!;
    expect(tool.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    expect(tool.description).toMatch(/idempotency_key: reuse it/);
    expect(tool.inputSchema.required).toEqual(['rows', 'idempotency_key']);
    const rows = (tool.inputSchema.properties as Record<string, { items: { required: string[]; properties: Record<string, unknown> } }>).rows!;
    // Every column without a default is required; a MATERIALIZED column cannot be written at all.
    expect(rows.items.required).toEqual(['id', 'kind', 'day', 'at']);
    expect(Object.keys(rows.items.properties)).toEqual(['id', 'kind', 'day', 'at', 'note', 'origin']);
    expect(tool.outputSchema).toMatchObject({ required: ['table', 'rows_written', 'idempotency_key'] });
  });

  it('writes the rows once for one key, called five times (three at once), and answers every call as the first', async () => {
    const before = await counts();
    const args = { rows: [event(1001), event(1002, { note: 'second', origin: 'test' })], idempotency_key: 'five-calls' };
    const first = await client.callTool({ name: 'record_events', arguments: args });
    expect(first.isError, text(first)).toBeFalsy();
    expect(first.structuredContent).toEqual({ table: 'events', rows_written: 2, idempotency_key: 'five-calls' });
    const concurrent = await Promise.all([1, 2, 3].map(() => client.callTool({ name: 'record_events', arguments: args })));
    const last = await client.callTool({ name: 'record_events', arguments: { ...args, rows: args.rows.map((row) => ({ ...row })) } });
    for (const retry of [...concurrent, last]) {
      expect(retry.isError, text(retry)).toBeFalsy();
      expect(retry.structuredContent).toEqual(first.structuredContent);
      expect(requestId(retry)).toBe(requestId(first));
      expect(retry._meta?.['mcpc/replayed']).toBe(true);
    }
    expect(first._meta?.['mcpc/replayed']).toBeUndefined();
    const after = await counts();
    expect(after.n - before.n).toBe(2);
    // The MATERIALIZED column was computed by the engine.
    expect(after.twice - before.twice).toBe(2 * (1001 + 1002));
    const stored = await client.callTool({ name: 'events_of', arguments: { id: 1002 } });
    expect((stored.structuredContent as { rows: unknown[] }).rows).toEqual([
      { id: 1002, kind: 'click', day: '2024-05-01', at: '2024-05-01T10:00:00Z', note: 'second', origin: 'test' },
    ]);
  });

  it('waits for a first call still running, when three arrive at once with a new key', async () => {
    const before = await counts();
    const rows = Array.from({ length: 100 }, (_, i) => event(2000 + i));
    const results = await Promise.all([1, 2, 3].map(() => client.callTool({ name: 'record_events', arguments: { rows, idempotency_key: 'at-once' } })));
    expect(new Set(results.map(requestId)).size).toBe(1);
    expect(results.filter((r) => r._meta?.['mcpc/replayed'] === true)).toHaveLength(2);
    expect((await counts()).n - before.n).toBe(100);
  });

  it('refuses the same key with other rows, and writes nothing', async () => {
    const before = await counts();
    await client.callTool({ name: 'record_events', arguments: { rows: [event(3001)], idempotency_key: 'changed' } });
    const changed = await client.callTool({ name: 'record_events', arguments: { rows: [event(3002)], idempotency_key: 'changed' } });
    expect(changed.isError).toBe(true);
    expect(changed._meta?.['mcpc/error_code']).toBe('IDEMPOTENCY.CONFLICT');
    expect(text(changed)).toMatch(/idempotency key 'changed' was used by request [0-9a-f-]+ with other arguments; a new write takes a new key/);
    expect((await counts()).n - before.n).toBe(1);
  });

  it.each([
    ['an integer out of its column range', event(-1), /argument 'rows\[1\]\.id' must be >= 0/],
    ['an impossible date', event(4001, { day: '2024-02-30' }), /argument 'rows\[1\]\.day' must be a valid date \(got "2024-02-30"\)/],
    ['an unknown column', event(4002, { color: 'red' }), /unknown field 'rows\[1\].color'/],
    ['a materialized column', event(4003, { id_twice: 5 }), /unknown field 'rows\[1\].id_twice'/],
    ['a value outside the enum', event(4004, { kind: 'purchase' }), /argument 'rows\[1\]\.kind' must be one of "click", "view" \(got "purchase"\)/],
    ['a missing column without a default', { id: 4005, kind: 'view', day: '2024-05-01' }, /missing required field 'rows\[1\].at'/],
    ['null where the column is not Nullable', event(4006, { origin: null }), /argument 'rows\[1\]\.origin' must be a string \(got null\)/],
  ])('refuses rows with %s before anything is written', async (_what, row, words) => {
    const before = await counts();
    const result = await client.callTool({ name: 'record_events', arguments: { rows: [event(4100), row], idempotency_key: `bad-${JSON.stringify(row)}` } });
    expect(result.isError).toBe(true);
    expect(result._meta?.['mcpc/error_code']).toBe('PARAMS.INVALID');
    expect(text(result)).toMatch(words);
    expect((await counts()).n).toBe(before.n);
  });

  it('refuses more rows than the tool takes in one call, and a call without a key', async () => {
    const tooMany = await client.callTool({
      name: 'record_events',
      arguments: { rows: Array.from({ length: 101 }, (_, i) => event(5000 + i)), idempotency_key: 'too-many' },
    });
    expect(tooMany._meta?.['mcpc/error_code']).toBe('PARAMS.INVALID');
    expect(text(tooMany)).toMatch(/100/);
    const keyless = await client.callTool({ name: 'record_events', arguments: { rows: [event(5200)] } });
    expect(keyless._meta?.['mcpc/error_code']).toBe('PARAMS.INVALID');
    expect(text(keyless)).toMatch(/idempotency_key/);
  });

  it('takes an empty list of rows as a write of nothing', async () => {
    const result = await client.callTool({ name: 'record_events', arguments: { rows: [], idempotency_key: 'nothing' } });
    expect(result.isError, text(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ rows_written: 0 });
  });
});

describe('pipelines that write', () => {
  it('take an idempotency key of their own, and a retry writes nothing twice', async () => {
    const { tools } = await client.listTools();
    const pipeline = tools.find((t) => t.name === 'record_and_count')!;
    expect(pipeline.inputSchema.required).toEqual(['rows', 'idempotency_key']);
    expect(pipeline.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: true });
    const before = await counts();
    const args = { rows: [event(6001), event(6002)], idempotency_key: 'pipeline-1' };
    const first = await client.callTool({ name: 'record_and_count', arguments: args });
    expect(first.isError, text(first)).toBeFalsy();
    expect(Number((first.structuredContent as { n: string }).n)).toBe(before.n + 2);
    const retry = await client.callTool({ name: 'record_and_count', arguments: args });
    expect(retry.structuredContent).toEqual(first.structuredContent);
    expect(requestId(retry)).toBe(requestId(first));
    expect((await counts()).n).toBe(before.n + 2);
  });

  it('derive a key per write step, through nested pipelines: two steps write twice, a retry of the whole writes nothing', async () => {
    const before = await counts();
    const args = { rows: [event(7001)], idempotency_key: 'nested' };
    const first = await client.callTool({ name: 'record_twice_nested', arguments: args });
    expect(first.isError, text(first)).toBeFalsy();
    expect(first.structuredContent).toEqual({ table: 'events', rows_written: 1, idempotency_key: 'nested/again' });
    expect((await counts()).n).toBe(before.n + 2);
    await client.callTool({ name: 'record_twice_nested', arguments: args });
    expect((await counts()).n).toBe(before.n + 2);
  });

  it('list the writes already committed when a later step fails, and a retry does not repeat them', async () => {
    const before = await counts();
    const args = { rows: [event(8001)], idempotency_key: 'then-fail' };
    const result = await client.callTool({ name: 'write_then_fail', arguments: args });
    expect(result._meta?.['mcpc/error_code']).toBe('STEP.FAILED');
    expect(text(result)).toMatch(/step 'boom' \(fail\) failed with QUERY\.FAILED: .*; writes committed: write \(record_events, key then-fail\/write\)/);
    // The failed pipeline was not remembered, so the retry runs again; its write step replays.
    const retry = await client.callTool({ name: 'write_then_fail', arguments: args });
    expect(retry._meta?.['mcpc/error_code']).toBe('STEP.FAILED');
    expect((await counts()).n).toBe(before.n + 1);
  });
});

describe('after a restart', () => {
  it('writes nothing twice: ClickHouse drops the replayed insert by its token, though the server forgot the key', async () => {
    const args = { rows: [event(9001), event(9002)], idempotency_key: 'survives-restart' };
    const first = await client.callTool({ name: 'record_events', arguments: args });
    expect(first.isError, text(first)).toBeFalsy();
    const before = await counts();
    await client.close();
    await server.stop();
    server = await startHttpServer(serverJs);
    client = await connectHttp(server.url, 'legacy');
    const retry = await client.callTool({ name: 'record_events', arguments: args });
    expect(retry.isError, text(retry)).toBeFalsy();
    // A new server: it answers as a first call, and the engine writes no second copy.
    expect(retry._meta?.['mcpc/replayed']).toBeUndefined();
    expect((await counts()).n).toBe(before.n);
  });
});
