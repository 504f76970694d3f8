import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Stream tools read page by page with signed, stateless cursors, on embedded ClickHouse with a
 * stock client (test/e2e/streams/streams.yaml: 200,000 rows sorted by day and id).
 */
const SECRET = 'a-shared-cursor-secret-for-the-test';
let serverJs: string;
let server: RunningServer;
let client: Client;
beforeAll(async () => {
  serverJs = buildProject('test/e2e/streams/streams.yaml', 'streams').serverJs;
  server = await startHttpServer(serverJs, { env: { MCPC_CURSOR_SECRET: SECRET } });
  client = await connectHttp(server.url, 'legacy');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

type Result = Awaited<ReturnType<Client['callTool']>>;
interface Page<Row> {
  rows: Row[];
  row_count: number;
  next_cursor: string | null;
  truncated: boolean;
}
const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
const page = <Row>(result: Result) => result.structuredContent as unknown as Page<Row>;

describe('stream tools, page by page', () => {
  it('lists a stream tool with a cursor argument and the page as its output', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'events_since')!;
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(['from', 'cursor']);
    expect(tool.inputSchema.required).toEqual(['from']);
    expect(tool.outputSchema).toMatchObject({ required: ['rows', 'row_count', 'next_cursor', 'truncated'] });
    expect(tool.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('reads every row once, in order, across pages: count and sums agree with a direct query', async () => {
    const from = '2024-03-01';
    let cursor: string | null | undefined;
    let count = 0;
    let ids = 0n;
    let cents = 0n;
    let pages = 0;
    let previous: [string, bigint] | undefined;
    do {
      const result = await client.callTool({ name: 'events_since', arguments: { from, ...(cursor ? { cursor } : {}) } });
      expect(result.isError, text(result)).toBeFalsy();
      const { rows, next_cursor, truncated } = page<{ day: string; id: string; amount: string }>(result);
      expect(truncated).toBe(false);
      for (const row of rows) {
        const key: [string, bigint] = [row.day, BigInt(row.id)];
        if (previous) expect(key[0] > previous[0] || (key[0] === previous[0] && key[1] > previous[1]), `${key} after ${previous}`).toBe(true);
        previous = key;
        count++;
        ids += BigInt(row.id);
        cents += BigInt(Math.round(Number(row.amount) * 100));
      }
      cursor = next_cursor;
      pages++;
    } while (cursor);
    const totals = await client.callTool({ name: 'totals', arguments: { from } });
    const direct = (totals.structuredContent as { rows: Array<{ n: string; ids: string; amounts: string }> }).rows[0]!;
    expect(count).toBe(Number(direct.n));
    expect(ids).toBe(BigInt(direct.ids));
    expect(cents).toBe(BigInt(Math.round(Number(direct.amounts) * 100)));
    // 122,000 rows from March on, 5,000 a page.
    expect(pages).toBe(Math.ceil(count / 5000));
  });

  it('resumes a descending key over DateTime values, and stops at max_rows saying so', async () => {
    let cursor: string | null | undefined;
    const seen: Array<{ at: string; id: string }> = [];
    let last: Page<{ at: string; id: string }> | undefined;
    do {
      const result = await client.callTool({ name: 'recent_first', arguments: cursor ? { cursor } : {} });
      expect(result.isError, text(result)).toBeFalsy();
      last = page(result);
      seen.push(...last.rows);
      cursor = last.next_cursor;
    } while (cursor);
    // max_rows 2000 in pages of 700: 700, 700, 600, and the last page says the stream was cut.
    expect(seen).toHaveLength(2000);
    expect(last.truncated).toBe(true);
    expect(seen[0]!.id).toBe('199999');
    expect(seen.at(-1)!.id).toBe(String(199999 - 1999));
    expect(new Set(seen.map((r) => r.id)).size).toBe(2000);
  });

  it('refuses a cursor that was altered, one for other arguments, and one for another tool', async () => {
    const first = page(await client.callTool({ name: 'events_since', arguments: { from: '2024-04-01' } }));
    const cursor = first.next_cursor!;
    const [payload, mac] = cursor.split('.');
    const body = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { after: unknown[] };
    body.after = ['2024-04-01', '0'];
    const forged = `${Buffer.from(JSON.stringify(body)).toString('base64url')}.${mac}`;
    for (const [args, words] of [
      [{ from: '2024-04-01', cursor: forged }, /argument 'cursor' is refused: it was not issued by this server, or it was altered/],
      [{ from: '2024-04-01', cursor: `${cursor}x` }, /argument 'cursor' is refused/],
      [{ from: '2024-05-01', cursor }, /argument 'cursor' is refused: it was issued for other arguments/],
    ] as const) {
      const result = await client.callTool({ name: 'events_since', arguments: args });
      expect(result._meta?.['mcpc/error_code']).toBe('PARAMS.INVALID');
      expect(text(result)).toMatch(words);
    }
    const other = await client.callTool({ name: 'recent_first', arguments: { cursor } });
    expect(text(other)).toMatch(/argument 'cursor' is refused: it belongs to another tool/);
  });
});

describe('query tools cut at the source limit', () => {
  it('come with a cursor when their SQL ends in a usable ORDER BY, and read on from it to the end', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'events_of_kind')!;
    expect(tool.inputSchema.properties).toHaveProperty('cursor');
    expect(tool.outputSchema?.required).toContain('next_cursor');
    // A LIMIT at the top: nothing to resume, so no cursor is offered.
    const limited = tools.find((t) => t.name === 'kinds_of_day')!;
    expect(limited.inputSchema.properties).not.toHaveProperty('cursor');
    expect(limited.outputSchema?.properties).not.toHaveProperty('next_cursor');

    let cursor: string | null = null;
    let calls = 0;
    let count = 0;
    let last = -1;
    do {
      const result = await client.callTool({ name: 'events_of_kind', arguments: { kind: 'buy', ...(cursor ? { cursor } : {}) } });
      expect(result.isError, text(result)).toBeFalsy();
      const cut = page<{ id: string; kind: string }>(result);
      expect(JSON.parse(text(result))).toEqual(cut);
      for (const row of cut.rows) {
        expect(row.kind).toBe('buy');
        expect(Number(row.id)).toBeGreaterThan(last);
        last = Number(row.id);
      }
      count += cut.row_count;
      expect(cut.truncated).toBe(cut.next_cursor !== null);
      if (cut.next_cursor) expect(cut.row_count).toBe(10000);
      cursor = cut.next_cursor;
      calls++;
    } while (cursor);
    // Ids 2, 5, 8, ... below 200,000 are the buys.
    expect(count).toBe(66666);
    expect(calls).toBe(7);

    // Ties at a cut: a page ends before the rows of a key it would split, so resuming after the key loses none.
    const seen = new Set<number>();
    const sizes: number[] = [];
    cursor = null;
    do {
      const cut: Page<{ block: string; id: string }> = page<{ block: string; id: string }>(
        await client.callTool({ name: 'events_by_block', arguments: cursor ? { cursor } : {} }),
      );
      for (const row of cut.rows) seen.add(Number(row.id));
      sizes.push(cut.row_count);
      cursor = cut.next_cursor;
    } while (cursor);
    expect(seen.size).toBe(200000);
    expect(sizes.slice(0, 3)).toEqual([9000, 9000, 9000]);

    const first = page(await client.callTool({ name: 'events_of_kind', arguments: { kind: 'buy' } }));
    const other = await client.callTool({ name: 'events_of_kind', arguments: { kind: 'view', cursor: first.next_cursor } });
    expect(other._meta?.['mcpc/error_code']).toBe('PARAMS.INVALID');
    expect(text(other)).toMatch(/argument 'cursor' is refused: it was issued for other arguments/);
  });
});

describe('cursors across processes', () => {
  it('are accepted by a second server with the same secret, and refused by one with another', async () => {
    const first = page<{ id: string }>(await client.callTool({ name: 'events_since', arguments: { from: '2024-02-01' } }));
    const expected = page<{ id: string }>(await client.callTool({ name: 'events_since', arguments: { from: '2024-02-01', cursor: first.next_cursor! } }));
    // Both servers share one data directory, so each takes it in turn.
    await client.close();
    await server.stop();
    for (const [secret, accepted] of [
      [SECRET, true],
      ['another-secret', false],
    ] as const) {
      server = await startHttpServer(serverJs, { env: { MCPC_CURSOR_SECRET: secret } });
      client = await connectHttp(server.url, 'legacy');
      const result = await client.callTool({ name: 'events_since', arguments: { from: '2024-02-01', cursor: first.next_cursor! } });
      if (accepted) {
        expect(result.isError, text(result)).toBeFalsy();
        expect(page<{ id: string }>(result).rows.map((r) => r.id)).toEqual(expected.rows.map((r) => r.id));
      } else {
        expect(text(result)).toMatch(/argument 'cursor' is refused: it was not issued by this server, or it was altered/);
      }
      await client.close();
      await server.stop();
    }
    server = await startHttpServer(serverJs, { env: { MCPC_CURSOR_SECRET: SECRET } });
    client = await connectHttp(server.url, 'legacy');
  });
});

/** Partial results as a client that asked for them receives them. */
interface Partial<Row> {
  partialResultToken: string;
  seq: number;
  structuredContent: { rows: Row[]; row_count: number };
}

/** Calls a tool asking for partial results, and collects them with the time each arrived. */
async function callLive<Row>(name: string, args: Record<string, unknown>, options: { signal?: AbortSignal } = {}) {
  const token = `live-${Math.random().toString(36).slice(2)}`;
  const partials: Array<Partial<Row> & { at: number }> = [];
  const progress: number[] = [];
  // Any params: a Standard Schema that accepts every value (the SDK asks for one).
  const anything = { '~standard': { version: 1 as const, vendor: 'mcpc-test', validate: (value: unknown) => ({ value }) } };
  client.setNotificationHandler('notifications/tools/partial_result', { params: anything }, (params) => {
    const partial = params as unknown as Partial<Row>;
    if (partial.partialResultToken === token) partials.push({ ...partial, at: performance.now() });
  });
  const started = performance.now();
  const result = await client.callTool(
    { name, arguments: args, _meta: { partialResultToken: token } },
    { onprogress: (p) => progress.push(p.progress), timeout: 120_000, ...(options.signal ? { signal: options.signal } : {}) },
  );
  return { result, partials, progress, started };
}

describe('stream tools, as live batches', () => {
  it('sends every row in batches of batch_size, in order, and a final result with the totals', async () => {
    const { result, partials, progress } = await callLive<{ day: string; id: string; amount: string }>('events_since', { from: '2024-03-01' });
    expect(result.isError, text(result)).toBeFalsy();
    const final = page(result);
    expect(final.rows).toEqual([]);
    expect(final.next_cursor).toBeNull();
    expect(partials.map((p) => p.seq)).toEqual(partials.map((_, i) => i));
    // A fast source fills every batch but the last.
    expect(partials.slice(0, -1).every((p) => p.structuredContent.row_count === 5000)).toBe(true);
    const rows = partials.flatMap((p) => p.structuredContent.rows);
    expect(rows).toHaveLength(final.row_count);
    const totals = (await client.callTool({ name: 'totals', arguments: { from: '2024-03-01' } })).structuredContent as {
      rows: Array<{ n: string; ids: string }>;
    };
    expect(rows).toHaveLength(Number(totals.rows[0]!.n));
    expect(rows.reduce((sum, r) => sum + BigInt(r.id), 0n)).toBe(BigInt(totals.rows[0]!.ids));
    expect(rows.every((r, i) => i === 0 || BigInt(r.id) > BigInt(rows[i - 1]!.id))).toBe(true);
    // Progress counts the rows sent, batch by batch.
    expect(progress.at(-1)).toBe(final.row_count);
  });

  it('sends a batch max_latency_ms after its first row when rows trickle in, without waiting for batch_size', async () => {
    const { result, partials, started } = await callLive<{ id: string }>('slow_events', {});
    expect(result.isError, text(result)).toBeFalsy();
    const total = page(result).row_count;
    expect(total).toBe(62000);
    expect(partials.flatMap((p) => p.structuredContent.rows)).toHaveLength(total);
    // batch_size is 50,000, but the rows come a block (8,192) about every half second: each batch
    // went out on the latency threshold, holding what had arrived, and the first long before the end.
    expect(partials.length).toBeGreaterThanOrEqual(5);
    expect(partials.every((p) => p.structuredContent.row_count < 50000)).toBe(true);
    expect(partials[0]!.at - started).toBeLessThan((partials.at(-1)!.at - started) / 2);
  });

  it('stops the query in the engine within a second when the client cancels mid-stream', async () => {
    const abort = new AbortController();
    const call = callLive('slow_events', {}, { signal: abort.signal }).catch((error: unknown) => error);
    // Let the stream start, then cancel (the client sends notifications/cancelled).
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline) {
      const running = await client.callTool({ name: 'running_streams', arguments: {} });
      if (Number((running.structuredContent as { rows: Array<{ n: string }> }).rows[0]!.n) > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    abort.abort('the test cancels');
    await call;
    const cancelledAt = performance.now();
    let gone: number | undefined;
    while (performance.now() - cancelledAt < 3000) {
      const running = await client.callTool({ name: 'running_streams', arguments: {} });
      if (Number((running.structuredContent as { rows: Array<{ n: string }> }).rows[0]!.n) === 0) {
        gone = performance.now() - cancelledAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(gone, 'the stream query still runs').toBeDefined();
    expect(gone!).toBeLessThan(1000);
  });
});
