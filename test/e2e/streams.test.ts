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
