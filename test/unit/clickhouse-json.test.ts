import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_INPUT_SETTINGS, TOOL_OUTPUT_SETTINGS } from '../../runtime/contract/clickhouse-json.js';
import { pinnedReadSettings } from '../../runtime/sources/source.js';

/** The format settings of tool reads, checked against the engine (chDB 26.7), read the way tools read. */

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
type Row = Record<string, unknown>;

const limits = { maxRows: 10_000, maxBytes: 10 * 1024 * 1024, maxExecutionTimeS: 30, maxMemoryBytes: 2 ** 30 };
let dir: string;
let writer: ClickHouseClient;
let reader: ClickHouseClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcpc-clickhouse-json-'));
  const { createChdbConnection } = await import('chdb/connection');
  writer = createClient({ connection: createChdbConnection({ path: dir }) as unknown as ClientConnection });
  reader = createClient({ connection: createChdbConnection({ path: dir }) as unknown as ClientConnection });
});

afterAll(async () => {
  await Promise.allSettled([writer?.close(), reader?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A read as a tool makes it: JSONEachRow, parsed by the client, under the pinned read settings. */
async function read(sql: string, params: Record<string, unknown> = {}): Promise<Row[]> {
  const result = await reader.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: pinnedReadSettings(limits) });
  return result.json<Row>();
}

describe('the format settings of tool reads', () => {
  it('are pinned on every tool read, and each is a setting the engine knows', async () => {
    const pinned = pinnedReadSettings(limits);
    expect(pinned).toMatchObject({ ...TOOL_OUTPUT_SETTINGS, ...TOOL_INPUT_SETTINGS });
    const names = [...Object.keys(TOOL_OUTPUT_SETTINGS), ...Object.keys(TOOL_INPUT_SETTINGS)];
    const known = await read('SELECT name, value FROM system.settings WHERE name IN {names:Array(String)} ORDER BY name', { names });
    expect(Object.fromEntries(known.map((s) => [s.name, s.value]))).toEqual(
      Object.fromEntries(names.sort().map((n) => [n, String(pinned[n as keyof typeof pinned])])),
    );
  });

  it('set what the engine writes and reads: chDB 26.7 defaults differ for 64-bit integers, decimals, infinities and DateTime; the rest are defaults that a server profile may change', async () => {
    const sql = `SELECT toUInt64(1) AS u, toDecimal32(1.5, 2) AS d, inf AS f, CAST((1, 'x'), 'Tuple(a UInt8, b String)') AS t,
      toDateTime('2024-01-01 00:00:00', 'Asia/Kolkata') AS dt, toFloat64(0.5) AS h`;
    const defaults = await (await writer.query({ query: sql, format: 'JSONEachRow' })).json<Row>();
    expect(defaults).toEqual([{ u: 1, d: 1.5, f: null, t: { a: 1, b: 'x' }, dt: '2024-01-01 00:00:00', h: 0.5 }]);
    expect(await read(sql)).toEqual([{ u: '1', d: '1.5', f: 'inf', t: { a: 1, b: 'x' }, dt: '2023-12-31T18:30:00Z', h: 0.5 }]);
    const named = "SELECT * FROM format(JSONEachRow, 't Tuple(a UInt8, b String), dt DateTime(\\'UTC\\')', {data:String})";
    const data = JSON.stringify([{ t: { a: 1, b: 'x' }, dt: '2024-01-01T10:00:00+05:30' }]);
    expect(await read(named, { data })).toEqual([{ t: { a: 1, b: 'x' }, dt: '2024-01-01T04:30:00Z' }]);
    // date_time_input_format=basic refuses the offset; input_format_json_named_tuples_as_objects=0 wants [1, "x"].
    await expect(
      reader
        .query({ query: named, query_params: { data }, format: 'JSONEachRow', clickhouse_settings: { date_time_input_format: 'basic' } })
        .then((r) => r.json()),
    ).rejects.toThrow(/Cannot parse/);
    await expect(
      reader
        .query({ query: named, query_params: { data }, format: 'JSONEachRow', clickhouse_settings: { input_format_json_named_tuples_as_objects: 0 } })
        .then((r) => r.json()),
    ).rejects.toThrow(/Cannot parse|expected/);
  });
});
