import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

let server: RunningServer;
let client: Client;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/e2e/pipelines/limits.yaml', 'limits'));
  client = await connectHttp(server.url, 'modern');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

type Structured = { rows: Array<Record<string, unknown>>; row_count: number; truncated: boolean };
const call = async (name: string, args: Record<string, unknown> = {}) => {
  const result = await client.callTool({ name, arguments: args });
  const [content] = result.content as Array<{ text: string }>;
  return { result, structured: result.structuredContent as Structured | undefined, text: content?.text ?? '' };
};

describe('paged lists', () => {
  it('serves tools/list in pages of list_page_size, which clients follow to the end', async () => {
    const { tools } = await client.listTools(undefined, { cacheMode: 'bypass' });
    expect(tools.map((t) => t.name)).toEqual(['numbers', 'wide_rows', 'slow', 'missing_table', 'typed']);
    const first = (await client.request({ method: 'tools/list', params: {} })) as { tools: Array<{ name: string }>; nextCursor?: string };
    expect(first.tools.map((t) => t.name)).toEqual(['numbers', 'wide_rows']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await client.request({ method: 'tools/list', params: { cursor: first.nextCursor! } })) as {
      tools: Array<{ name: string }>;
      nextCursor?: string;
    };
    expect(second.tools.map((t) => t.name)).toEqual(['slow', 'missing_table']);
  });

  it('refuses a cursor it did not hand out', async () => {
    await expect(client.request({ method: 'tools/list', params: { cursor: 'not-a-cursor' } })).rejects.toThrow(/Invalid cursor/);
  });
});

describe('runtime limits on embedded ClickHouse', () => {
  it('returns results within the caps whole', async () => {
    const { structured } = await call('numbers', { n: 5 });
    // `number` is UInt64: quoted, so values beyond 2^53 would arrive exactly.
    expect(structured).toEqual({ rows: ['0', '1', '2', '3', '4'].map((n) => ({ number: n })), row_count: 5, truncated: false });
  });

  it('cuts at max_rows and says truncated', async () => {
    const { structured } = await call('numbers', { n: 1_000_000 });
    expect(structured?.row_count).toBe(5);
    expect(structured?.truncated).toBe(true);
  });

  it('cuts at max_bytes and says truncated', async () => {
    const { structured, text } = await call('wide_rows');
    expect(structured?.truncated).toBe(true);
    expect(structured?.row_count).toBe(2);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2500);
  });

  it('stops a query at max_execution_time with a timeout error, and keeps serving', async () => {
    const { result, text } = await call('slow');
    expect(result.isError).toBe(true);
    expect(text).toMatch(/^QUERY\.TIMEOUT: the query ran longer than the source's limit of 1 s/);
    expect((await call('numbers', { n: 1 })).structured?.row_count).toBe(1);
  });

  it('reports a failing query without echoing its SQL or its values', async () => {
    const { result, text } = await call('missing_table');
    expect(result.isError).toBe(true);
    expect(text).toMatch(/^QUERY\.FAILED: the query failed: /);
    expect(text).toContain('no_such_table');
    expect(text).not.toMatch(/SELECT|In scope|do-not-echo/);
    // The operator's log has the full cause under the same request id.
    const requestId = result._meta?.['mcpc/request_id'] as string;
    expect(server.log()).toContain(requestId);
  });

  it('binds every value server-side, typed, including text that looks like SQL', async () => {
    const { structured } = await call('typed', {
      day: '2024-02-29',
      at: '2024-03-01T12:30:00Z',
      small: 255,
      big: '18446744073709551615',
      tags: ['a', "b'c"],
    });
    expect(structured?.rows).toEqual([
      {
        day: '2024-02-29',
        at: '2024-03-01T12:30:00Z',
        small: 255,
        big: '18446744073709551615',
        tags: ['a', "b'c"],
        note: null,
        injection: "x'; DROP TABLE t; --",
      },
    ]);
  });

  it('refuses values ClickHouse would silently change: an overflowing integer, an impossible date', async () => {
    const overflow = await call('typed', { day: '2024-02-28', at: '2024-03-01T00:00:00Z', small: 300, big: '1', tags: [] });
    expect(overflow.result.isError).toBe(true);
    expect(overflow.text).toContain("argument 'small' must be <= 255 (got 300)");
    const impossible = await call('typed', { day: '2023-02-29', at: '2024-03-01T00:00:00Z', small: 1, big: '1', tags: [] });
    expect(impossible.result.isError).toBe(true);
    expect(impossible.text).toContain("argument 'day' must be a valid date");
    const negative = await call('typed', { day: '2024-01-01', at: '2024-03-01T00:00:00Z', small: 1, big: '-1', tags: [] });
    expect(negative.text).toContain("argument 'big' must match the pattern ^[0-9]+$");
  });
});
