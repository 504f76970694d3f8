import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseFront, type FrontProcess } from '../support/clickhouse-front-process.js';
import { repoRoot } from '../support/paths.js';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * The remote source (a ClickHouse server over HTTP) doing real work: a generated server whose
 * source is a URL, pointed at the ClickHouse HTTP front (test/support/clickhouse-front.ts, chDB
 * behind ClickHouse's HTTP interface) seeded with test/e2e/remote-front/{schema,data}.sql.
 */
const PASSWORD = 'front-password-never-logged';
let front: FrontProcess;
let server: RunningServer;
let client: Client;
beforeAll(async () => {
  const serverJs = buildPipeline('test/e2e/remote-front/remote-front.yaml', 'remote_front');
  const dir = join(repoRoot, 'test', 'e2e', 'remote-front');
  front = await startClickHouseFront({
    dataDir: mkdtempSync(join(tmpdir(), 'mcpc-front-')),
    password: PASSWORD,
    seedFiles: [join(dir, 'schema.sql'), join(dir, 'data.sql')],
  });
  server = await startHttpServer(serverJs, {
    env: { CLICKHOUSE_URL: front.url, CLICKHOUSE_PASSWORD: PASSWORD, MCPC_CURSOR_SECRET: 'a-cursor-secret-for-the-test' },
  });
  client = await connectHttp(server.url, 'modern');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
  await front?.stop();
});

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
const rows = <Row>(result: Result) => (result.structuredContent as { rows: Row[] }).rows;
const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });

describe('a remote source on the ClickHouse HTTP front', () => {
  it('starts ready, with the server version in its log and its health, and no drift', async () => {
    expect(front.version).toMatch(/^2\d\./);
    expect(server.log()).toContain('"msg":"source ready"');
    expect(server.log()).toContain(`"clickhouse":"${front.version}"`);
    expect(server.log()).not.toContain(PASSWORD);
    // The drift check runs at start, beside the first calls: wait for its first report.
    let report: { status: string; sources: { db: Record<string, unknown> }; drift: { checked_at: string | null; tools: object } };
    const deadline = Date.now() + 30_000;
    do {
      const health = await fetch(server.url.replace('/mcp', '/healthz'));
      expect(health.status).toBe(200);
      report = (await health.json()) as typeof report;
      if (report.drift.checked_at !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    expect(report.status).toBe('ok');
    expect(report.sources.db).toMatchObject({ status: 'ok', engine: 'remote', version: front.version });
    expect(report.drift.checked_at).not.toBeNull();
    expect(report.drift.tools).toEqual({});
  });

  it('returns typed rows: 64-bit integers and decimals as strings, DateTime in RFC 3339, arrays', async () => {
    const result = await call('events_of_kind', { kind: 'click', limit: 2 });
    expect(result.isError, text(result)).toBeFalsy();
    expect(result.structuredContent).toEqual({
      rows: [
        { id: '1', kind: 'click', amount: '0.1', at: '2024-01-01T00:01:00Z', tags: ['odd', "it's"] },
        { id: '4', kind: 'click', amount: '0.4', at: '2024-01-01T00:04:00Z', tags: ['even'] },
      ],
      row_count: 2,
      truncated: false,
    });
  });

  it('binds every value server-side, typed, including text that looks like SQL or holds escapes', async () => {
    const tricky = "x'; DROP TABLE events; --\t\\n\\'";
    const result = await call('typed', {
      day: '2024-02-29',
      at: '2024-03-01T12:30:00+02:00',
      big: '18446744073709551615',
      tags: ["it's", 'back\\slash', 'tab\there', ''],
      text: tricky,
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(rows(result)).toEqual([
      { day: '2024-02-29', at: '2024-03-01T10:30:00Z', big: '18446744073709551615', tags: ["it's", 'back\\slash', 'tab\there', ''], note: null, text: tricky },
    ]);
    expect(rows(await call('events_of_kind', { kind: 'buy', limit: 1 }))).toEqual([expect.objectContaining({ id: '2' })]);
  });

  it('maps engine errors to tool errors without echoing the SQL, and keeps serving', async () => {
    const refused = await call('unlucky', { n: 13 });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^QUERY\.FAILED: the query failed: thirteen is refused/);
    expect(text(refused)).not.toMatch(/SELECT|throwIf|version/);
    const slow = await call('slow');
    expect(slow.isError).toBe(true);
    expect(text(slow)).toMatch(/^QUERY\.TIMEOUT: the query ran longer than the source's limit of 1 s/);
    expect(rows(await call('unlucky', { n: 12 }))).toEqual([{ refused: 0 }]);
  });

  it('cuts a result at max_rows and says truncated', async () => {
    const result = await call('numbers', { n: 5000 });
    expect(result.isError, text(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ row_count: 1000, truncated: true });
    expect(rows<{ number: string }>(result).at(-1)).toEqual({ number: '999' });
  });

  it('runs SQL an agent writes under readonly=1, and refuses what the guard refuses', async () => {
    const result = await call('explore', { sql: 'SELECT kind, count() AS n FROM events GROUP BY kind ORDER BY kind' });
    expect(result.isError, text(result)).toBeFalsy();
    expect(rows(result)).toEqual([
      { kind: 'buy', n: '20000' },
      { kind: 'click', n: '20000' },
      { kind: 'view', n: '20000' },
    ]);
    const write = await call('explore', { sql: 'SELECT * FROM events SETTINGS readonly = 0' });
    expect(write.isError).toBe(true);
  });

  it('inserts once per idempotency key (ClickHouse drops the replayed block by its token)', async () => {
    const before = Number(rows<{ n: string }>(await call('count_written'))[0]!.n);
    const args = {
      rows: [
        { id: 1, note: 'first' },
        { id: 2, note: null },
      ],
      idempotency_key: 'remote-front-once',
    };
    const first = await call('record', args);
    expect(first.isError, text(first)).toBeFalsy();
    expect(first.structuredContent).toEqual({ table: 'written', rows_written: 2, idempotency_key: 'remote-front-once' });
    expect((await call('record', args)).isError).toBeFalsy();
    expect(Number(rows<{ n: string }>(await call('count_written'))[0]!.n) - before).toBe(2);
  });

  it('streams a result of several MiB as live batches, every row once and in order', async () => {
    // Live batches go to clients on the 2025 protocol, or to 2026 ones that list partialResults per request.
    const legacy = await connectHttp(server.url, 'legacy');
    const token = 'remote-live';
    const batches: Array<Array<{ id: string }>> = [];
    const anything = { '~standard': { version: 1 as const, vendor: 'mcpc-test', validate: (value: unknown) => ({ value }) } };
    legacy.setNotificationHandler('notifications/tools/partial_result', { params: anything }, (params) => {
      const partial = params as unknown as { partialResultToken: string; structuredContent: { rows: Array<{ id: string }> } };
      if (partial.partialResultToken === token) batches.push(partial.structuredContent.rows);
    });
    const result = await legacy.callTool({ name: 'all_events', arguments: {}, _meta: { partialResultToken: token } }, { timeout: 120_000 });
    await legacy.close();
    expect(result.isError, text(result)).toBeFalsy();
    const all = batches.flat();
    expect(all).toHaveLength(60000);
    expect((result.structuredContent as { row_count: number }).row_count).toBe(60000);
    expect(all.every((row, i) => row.id === String(i))).toBe(true);
    expect(batches.length).toBeGreaterThanOrEqual(12);
  });
  it('stops the query on the server when the client cancels a stream mid-way: none is left running', async () => {
    const legacy = await connectHttp(server.url, 'legacy');
    const abort = new AbortController();
    let batches = 0;
    const anything = { '~standard': { version: 1 as const, vendor: 'mcpc-test', validate: (value: unknown) => ({ value }) } };
    legacy.setNotificationHandler('notifications/tools/partial_result', { params: anything }, () => {
      batches++;
      if (batches === 1) abort.abort('the test cancels');
    });
    const cancelled = await legacy
      .callTool({ name: 'all_events', arguments: {}, _meta: { partialResultToken: 'to-cancel' } }, { signal: abort.signal, timeout: 60_000 })
      .then(
        () => 'finished',
        () => 'cancelled',
      );
    expect(cancelled).toBe('cancelled');
    await legacy.close();
    // The front's count of queries it runs, and the server's live streams, both fall to zero.
    const deadline = Date.now() + 10_000;
    let stats = { running: -1 };
    let streams = -1;
    while (Date.now() < deadline) {
      stats = (await (await fetch(`${front.url}/__front/stats`)).json()) as { running: number };
      streams = ((await (await fetch(server.url.replace('/mcp', '/healthz'))).json()) as { streams: { open: number } }).streams.open;
      if (stats.running === 0 && streams === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stats.running).toBe(0);
    expect(streams).toBe(0);
    expect(rows(await call('numbers', { n: 2 }))).toHaveLength(2);
  });
  it('lets a stream run as long as stream_timeout_s allows, though no byte comes for longer than a query may take', async () => {
    // About 7 s of engine time, and under 1 MiB of rows, which the server holds until the end: the
    // connection is silent for longer than the source's max_execution_time_s (1 s) plus its margin.
    const legacy = await connectHttp(server.url, 'legacy');
    let received = 0;
    const anything = { '~standard': { version: 1 as const, vendor: 'mcpc-test', validate: (value: unknown) => ({ value }) } };
    legacy.setNotificationHandler('notifications/tools/partial_result', { params: anything }, (params) => {
      received += (params as unknown as { structuredContent: { row_count: number } }).structuredContent.row_count;
    });
    const result = await legacy.callTool({ name: 'slow_stream', arguments: {}, _meta: { partialResultToken: 'slow' } }, { timeout: 60_000 });
    await legacy.close();
    expect(result.isError, text(result)).toBeFalsy();
    expect(received).toBe(24000);
  });
  it('serves a stream page by page with cursors, resuming after the last row of each page', async () => {
    const first = await call('all_events');
    expect(first.isError, text(first)).toBeFalsy();
    const one = first.structuredContent as { rows: Array<{ id: string }>; next_cursor: string | null };
    expect(one.rows.length).toBeGreaterThan(0);
    expect(one.next_cursor).toEqual(expect.any(String));
    const second = await call('all_events', { cursor: one.next_cursor });
    expect(second.isError, text(second)).toBeFalsy();
    const two = (second.structuredContent as { rows: Array<{ id: string }> }).rows;
    expect(two[0]!.id).toBe(String(one.rows.length));
    expect(two.every((row, i) => row.id === String(one.rows.length + i))).toBe(true);
  });
});
