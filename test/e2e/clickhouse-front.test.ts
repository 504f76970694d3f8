import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseFront, type FrontProcess } from '../support/clickhouse-front-process.js';

/**
 * The ClickHouse HTTP front (a test double over chDB) answers as a ClickHouse server does, as far
 * as the remote source's client uses it: if it did not, the remote-source tests would prove nothing.
 */
let front: FrontProcess;
let client: ClickHouseClient;
beforeAll(async () => {
  front = await startClickHouseFront({ dataDir: mkdtempSync(join(tmpdir(), 'mcpc-front-')), password: 'pw' });
  client = createClient({ url: front.url, password: 'pw' });
  await client.command({ query: 'CREATE TABLE t (a UInt8, s String) ENGINE = MergeTree ORDER BY a' });
});
afterAll(async () => {
  await client?.close();
  await front?.stop();
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error & { code?: string; type?: string }) => error,
  );
const basic = `Basic ${Buffer.from('default:pw').toString('base64')}`;

describe('the ClickHouse HTTP front', () => {
  it('binds param_ values as the server does: text parsed by the declared type', async () => {
    const result = await client.query({
      query: 'SELECT {a:Array(String)} AS a, {s:String} AS s, {n:Nullable(String)} AS n, {m:Map(String, UInt8)} AS m',
      query_params: { a: ["it's", 'back\\slash'], s: "tab\tquote'", n: null, m: { k: 1 } },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ a: ["it's", 'back\\slash'], s: "tab\tquote'", n: null, m: { k: 1 } }]);
  });

  it('sends an exception with its status, code header and body, and the client reads it as a ClickHouseError', async () => {
    const response = await fetch(`${front.url}/?query=${encodeURIComponent('SELECT * FROM nope')}`, { headers: { authorization: basic } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await response.text()).toMatch(
      /^Code: 60\. DB::Exception: Unknown table expression identifier 'nope'.*\(UNKNOWN_TABLE\) \(version 2\d\.[\d.]+\)\n$/,
    );
    const error = await failure(client.query({ query: 'SELECT * FROM nope', format: 'JSONEachRow' }));
    expect(error).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
  });

  it('applies settings per request, readonly last, and refuses a write under readonly', async () => {
    const settings = await client.query({
      query: "SELECT getSetting('max_threads') AS t, getSetting('readonly') AS r",
      format: 'JSONEachRow',
      clickhouse_settings: { readonly: '1', max_threads: 3 },
    });
    expect(await settings.json()).toEqual([{ t: 3, r: 1 }]);
    const write = await failure(client.insert({ table: 't', values: [{ a: 1, s: 'x' }], format: 'JSONEachRow', clickhouse_settings: { readonly: '1' } }));
    expect(write).toMatchObject({ code: '164', type: 'READONLY' });
    // GET is read-only on the server too.
    const get = await fetch(`${front.url}/?query=${encodeURIComponent("INSERT INTO t VALUES (1, 'x')")}`, { headers: { authorization: basic } });
    expect(get.status).toBe(500);
    expect(get.headers.get('x-clickhouse-exception-code')).toBe('164');
  });

  it('takes the head of an INSERT in the URL and its data in the body', async () => {
    const inserted = await client.insert({
      table: 't',
      values: [
        { a: 1, s: 'x' },
        { a: 2, s: 'y' },
      ],
      format: 'JSONEachRow',
    });
    // The summary header is there for the client to parse (chDB does not always count an insert's rows).
    expect(inserted.summary).toMatchObject({ written_rows: expect.any(String) });
    expect(await (await client.query({ query: 'SELECT count() AS n FROM t', format: 'JSONEachRow' })).json()).toEqual([{ n: 2 }]);
  });

  it('refuses a query id that is running, as the server does', async () => {
    const slow = client.query({ query: 'SELECT sleepEachRow(0.5) FROM numbers(2)', query_id: 'same-id', format: 'JSONEachRow' }).then((r) => r.json());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await failure(client.query({ query: 'SELECT 1', query_id: 'same-id' }))).toMatchObject({
      code: '216',
      type: 'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING',
    });
    await slow;
  });

  it('ends a response already streaming with the tagged exception block, which the client raises', async () => {
    const result = await client.query({
      query: "SELECT number, throwIf(number = 200000, 'boom at 200000') AS x FROM numbers(1000000)",
      format: 'JSONEachRow',
      clickhouse_settings: { max_block_size: '8192' },
    });
    expect(result.response_headers['x-clickhouse-exception-tag']).toMatch(/^[0-9a-f]{16}$/);
    let rows = 0;
    const error = await failure(
      (async () => {
        for await (const batch of result.stream()) rows += batch.length;
      })(),
    );
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(200000);
    expect(error).toMatchObject({ code: '395', type: 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO' });
  });

  it('refuses compression, wrong credentials and sessions clearly', async () => {
    const gzip = createClient({ url: front.url, password: 'pw', compression: { response: true } });
    expect(await failure(gzip.query({ query: 'SELECT 1' }))).toMatchObject({ code: '48', message: expect.stringContaining('does not compress responses') });
    await gzip.close();
    const wrong = createClient({ url: front.url, password: 'wrong' });
    expect(await failure(wrong.query({ query: 'SELECT 1' }))).toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
    await wrong.close();
    expect(await failure(client.query({ query: 'SELECT 1', session_id: 's' }))).toMatchObject({ code: '48', message: expect.stringContaining('sessions') });
    expect(await (await fetch(`${front.url}/ping`)).text()).toBe('Ok.\n');
  });
});
