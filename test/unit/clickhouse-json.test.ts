import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgsAjv } from '../../runtime/contract/args.js';
import {
  inputSchemaOf,
  outputSchemaOf,
  rowSchemaOf,
  structureSchemaOf,
  TOOL_INPUT_SETTINGS,
  TOOL_OUTPUT_SETTINGS,
  tsRowTypeOf,
  tsTypeOf,
  unmappedTypes,
} from '../../runtime/contract/clickhouse-json.js';
import type { JsonObject } from '../../runtime/contract/spec.js';
import { pinnedReadSettings } from '../../runtime/sources/source.js';

/**
 * Every mapping is checked against the engine itself (chDB 26.7), read the way tools read: the
 * client's JSONEachRow under the runtime's pinned settings. Out: real rows of every covered type,
 * edge values included, must validate against their output schema, both with the project's
 * validator and with the MCP SDK client's, and type-check against their TypeScript type. In:
 * every value a schema accepts must come out of `format(JSONEachRow, ...)` unchanged, and every
 * value it refuses is one the engine changes or rejects (or is listed as refused by choice).
 */

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

const ajv = createArgsAjv();
const sdk = new AjvJsonSchemaValidator();

/** Problems of a value against a schema, by both validators (empty when both accept it). */
function problems(schema: JsonObject, value: unknown): string[] {
  const ours = ajv.validate(schema, value) ? [] : [`ajv: ${ajv.errorsText(ajv.errors)}`];
  const theirs = sdk.getValidator(schema)(value);
  return [...ours, ...(theirs.valid ? [] : [`sdk: ${theirs.errorMessage}`])];
}

const accepts = (schema: JsonObject, value: unknown) => ajv.validate(schema, value);

// Out.

/** A type, SQL expressions for values of it (edge values first), and facts about what comes back. */
interface OutputCase {
  type: string;
  values: string[];
  ts: string;
  /** The JSON values the engine returns, where worth recording. */
  returns?: unknown[];
}

const INT_CASES: OutputCase[] = [
  { type: 'UInt8', values: ['0', '255'], ts: 'number', returns: [0, 255] },
  { type: 'UInt16', values: ['0', '65535'], ts: 'number' },
  { type: 'UInt32', values: ['0', '4294967295'], ts: 'number', returns: [0, 4294967295] },
  { type: 'UInt64', values: ['0', '18446744073709551615'], ts: 'string', returns: ['0', '18446744073709551615'] },
  { type: 'UInt128', values: ['0', '340282366920938463463374607431768211455'], ts: 'string' },
  { type: 'UInt256', values: ['0', '115792089237316195423570985008687907853269984665640564039457584007913129639935'], ts: 'string' },
  { type: 'Int8', values: ['-128', '127', '0'], ts: 'number', returns: [-128, 127, 0] },
  { type: 'Int16', values: ['-32768', '32767'], ts: 'number' },
  { type: 'Int32', values: ['-2147483648', '2147483647'], ts: 'number' },
  { type: 'Int64', values: ['-9223372036854775808', '9223372036854775807', '0'], ts: 'string', returns: ['-9223372036854775808', '9223372036854775807', '0'] },
  { type: 'Int128', values: ['-170141183460469231731687303715884105728', '170141183460469231731687303715884105727'], ts: 'string' },
  {
    type: 'Int256',
    values: [
      '-57896044618658097711785492504343953926634992332820282019728792003956564819968',
      '57896044618658097711785492504343953926634992332820282019728792003956564819967',
    ],
    ts: 'string',
  },
  { type: 'IntervalSecond', values: ['toIntervalSecond(-5)', 'toIntervalSecond(9223372036854775807)'], ts: 'string', returns: ['-5', '9223372036854775807'] },
];

const FLOAT = 'number | "nan" | "-nan" | "inf" | "-inf"';
const NUMBER_CASES: OutputCase[] = [
  {
    type: 'Float32',
    values: ['0', '-0.', '0.1', '3.4028235e38', '-3.4028235e38', '1e-45', 'nan', '0/0', 'inf', '-inf'],
    ts: FLOAT,
    returns: [0, -0, 0.1, 3.4028235e38, -3.4028235e38, 1e-45, 'nan', '-nan', 'inf', '-inf'],
  },
  { type: 'Float64', values: ['1.7976931348623157e308', '-1.7976931348623157e308', '5e-324', 'nan', '0/0', 'inf', '-inf'], ts: FLOAT },
  {
    type: 'BFloat16',
    values: ['1.5', '3.3895314e38', '-3.3895314e38', 'nan', 'inf', '-inf'],
    ts: FLOAT,
    returns: [1.5, 3.3895314e38, -3.3895314e38, 'nan', 'inf', '-inf'],
  },
  { type: 'Decimal(9, 2)', values: ['0', '1.5', '-9999999.99', '9999999.99'], ts: 'string', returns: ['0', '1.5', '-9999999.99', '9999999.99'] },
  { type: 'Decimal(3, 3)', values: ['0.999', '-0.999', '0'], ts: 'string', returns: ['0.999', '-0.999', '0'] },
  { type: 'Decimal(38, 10)', values: ["'9999999999999999999999999999.9999999999'", "'-0.0000000001'"], ts: 'string' },
  { type: 'Decimal(76, 0)', values: [`'${'9'.repeat(76)}'`, `'-${'9'.repeat(76)}'`], ts: 'string' },
  { type: 'Decimal32(4)', values: ['-99999.9999', '0.5'], ts: 'string' },
  { type: 'Decimal64(18)', values: ["'0.999999999999999999'"], ts: 'string' },
  { type: 'Decimal128(0)', values: ["'-99999999999999999999999999999999999999'"], ts: 'string' },
  { type: 'Decimal256(40)', values: ["'999999999999999999999999999999999999.9999999999999999999999999999999999999999'"], ts: 'string' },
  { type: 'Bool', values: ['true', 'false'], ts: 'boolean', returns: [true, false] },
];

const TEXT_CASES: OutputCase[] = [
  {
    type: 'String',
    values: ["''", "'héllo 😀 中文'", "'quote \" back \\\\ slash / nl \\n tab \\t nul \\0'", "unhex('FF41')", "'\u2028'"],
    ts: 'string',
    returns: ['', 'héllo 😀 中文', 'quote " back \\ slash / nl \n tab \t nul \0', '\uFFFDA', '\u2028'],
  },
  {
    type: 'FixedString(4)',
    values: ["''", "'ab'", "'abcd'", "'é'", "unhex('FFFFFFFF')"],
    ts: 'string',
    returns: ['\0\0\0\0', 'ab\0\0', 'abcd', 'é\0\0', '\uFFFD'.repeat(4)],
  },
  { type: 'UUID', values: ["'00000000-0000-0000-0000-000000000000'", "'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'", 'generateUUIDv4()'], ts: 'string' },
  { type: 'IPv4', values: ["'0.0.0.0'", "'255.255.255.255'", "'10.1.2.3'"], ts: 'string' },
  {
    type: 'IPv6',
    values: ["'::'", "'::1'", "'::ffff:1.2.3.4'", "'2001:db8::1'", "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'"],
    ts: 'string',
    returns: ['::', '::1', '::ffff:1.2.3.4', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  },
  {
    type: "Enum8('a' = -128, 'b\\\\c' = 0, 'q\\'r' = 1, 'nl\\nx' = 2, 'é😀' = 3, '' = 127)",
    values: ["'a'", "'b\\\\c'", "'q\\'r'", "'nl\\nx'", "'é😀'", "''"],
    ts: '"a" | "b\\\\c" | "q\'r" | "nl\\nx" | "é😀" | ""',
    returns: ['a', 'b\\c', "q'r", 'nl\nx', 'é😀', ''],
  },
  { type: "Enum16('low' = -32768, 'high' = 32767)", values: ["'low'", "'high'"], ts: '"low" | "high"' },
];

const DATE_CASES: OutputCase[] = [
  { type: 'Date', values: ["'1970-01-01'", "'2149-06-06'", "'2024-02-29'"], ts: 'string', returns: ['1970-01-01', '2149-06-06', '2024-02-29'] },
  { type: 'Date32', values: ["'1900-01-01'", "'2299-12-31'"], ts: 'string', returns: ['1900-01-01', '2299-12-31'] },
  {
    type: 'DateTime',
    values: ['0', '4294967295', "'2024-01-01 00:00:00'"],
    ts: 'string',
    returns: ['1970-01-01T00:00:00Z', '2106-02-07T06:28:15Z', '2024-01-01T00:00:00Z'],
  },
  // Written in UTC whatever the column's time zone: midnight in Kolkata is 18:30 the day before.
  { type: "DateTime('Asia/Kolkata')", values: ["'2024-01-01 00:00:00'", '0'], ts: 'string', returns: ['2023-12-31T18:30:00Z', '1970-01-01T00:00:00Z'] },
  {
    type: "DateTime64(3, 'UTC')",
    values: ["'1900-01-01 00:00:00'", "'2299-12-31 23:59:59.999'", "'1969-12-31 23:59:59.5'"],
    ts: 'string',
    returns: ['1900-01-01T00:00:00.000Z', '2299-12-31T23:59:59.999Z', '1969-12-31T23:59:59.500Z'],
  },
  { type: "DateTime64(9, 'UTC')", values: ["'2262-04-11 23:47:16.854775807'", "'1900-01-01 00:00:00'"], ts: 'string' },
  { type: 'DateTime64(0)', values: ["'2024-06-01 12:00:00'"], ts: 'string', returns: ['2024-06-01T12:00:00Z'] },
  // 1900-01-01 00:00 in Kolkata was 18:38:50 UTC the day before (local mean time, +5:21:10).
  {
    type: "DateTime64(6, 'Asia/Kolkata')",
    values: ["'1900-01-01 00:00:00'", "'2299-12-31 23:59:59.999999'"],
    ts: 'string',
    returns: ['1899-12-31T18:38:50.000000Z', '2299-12-31T18:29:59.999999Z'],
  },
  { type: 'Time', values: ['-3599999', '3599999', '0'], ts: 'string', returns: ['-999:59:59', '999:59:59', '00:00:00'] },
  { type: 'Time64(3)', values: ['-1.25', "'999:59:59.999'"], ts: 'string', returns: ['-00:00:01.250', '999:59:59.999'] },
];

const COMPOSITE_CASES: OutputCase[] = [
  { type: 'Nullable(UInt8)', values: ['NULL', '255'], ts: 'number | null', returns: [null, 255] },
  { type: 'Nullable(Int64)', values: ['NULL', '-9223372036854775808'], ts: 'string | null' },
  { type: 'Nullable(Float64)', values: ['NULL', 'nan', '1.5'], ts: `${FLOAT} | null`, returns: [null, 'nan', 1.5] },
  { type: 'Nullable(Decimal(18, 4))', values: ['NULL', '-1.5'], ts: 'string | null' },
  { type: "Nullable(Enum8('x' = 1))", values: ['NULL', "'x'"], ts: '"x" | null' },
  { type: "Nullable(DateTime('UTC'))", values: ['NULL', '0'], ts: 'string | null' },
  { type: 'Nullable(Nothing)', values: ['NULL'], ts: 'null', returns: [null] },
  { type: 'LowCardinality(String)', values: ["''", "'x'"], ts: 'string' },
  { type: 'LowCardinality(Nullable(String))', values: ['NULL', "'x'"], ts: 'string | null' },
  { type: 'LowCardinality(FixedString(2))', values: ["'ab'"], ts: 'string' },
  { type: 'Array(UInt8)', values: ['[]', '[0, 255]'], ts: 'Array<number>', returns: [[], [0, 255]] },
  { type: 'Array(Nothing)', values: ['[]'], ts: 'Array<never>', returns: [[]] },
  {
    type: 'Array(Array(Nullable(Int64)))',
    values: ['[]', '[[], [NULL, -9223372036854775808]]'],
    ts: 'Array<Array<string | null>>',
    returns: [[], [[], [null, '-9223372036854775808']]],
  },
  { type: 'Array(LowCardinality(Nullable(String)))', values: ["[NULL, 'a']"], ts: 'Array<string | null>' },
  {
    type: 'Map(String, UInt64)',
    values: ['map()', "map('a', 18446744073709551615, '', 0)"],
    ts: 'Record<string, string>',
    returns: [{}, { a: '18446744073709551615', '': '0' }],
  },
  { type: 'Map(UInt8, Array(String))', values: ["map(255, ['x'], 0, [])"], ts: 'Record<string, Array<string>>', returns: [{ 255: ['x'], 0: [] }] },
  {
    type: "Map(DateTime('UTC'), Nullable(Float32))",
    values: ['map(0, NULL, 4294967295, inf)'],
    ts: `Record<string, ${FLOAT} | null>`,
    returns: [{ '1970-01-01T00:00:00Z': null, '2106-02-07T06:28:15Z': 'inf' }],
  },
  {
    type: "Map(LowCardinality(String), Map(Enum8('e' = 1), Decimal(5, 2)))",
    values: ["map('k', map('e', -999.99))"],
    ts: 'Record<string, Record<string, string>>',
  },
  { type: 'Tuple(UInt8, String)', values: ["(255, 'x')"], ts: '[number, string]', returns: [[255, 'x']] },
  {
    type: 'Tuple(a Int64, `b c` Nullable(String), `d\\`e` Array(UInt8), `if` Tuple(x Date, y Bool))',
    values: ["(-1, NULL, [], ('2024-01-01', true))", "(1, 'z', [1], ('1970-01-01', false))"],
    ts: '{ a: string; "b c": string | null; "d`e": Array<number>; if: { x: string; y: boolean } }',
    returns: [
      { a: '-1', 'b c': null, 'd`e': [], if: { x: '2024-01-01', y: true } },
      { a: '1', 'b c': 'z', 'd`e': [1], if: { x: '1970-01-01', y: false } },
    ],
  },
  { type: 'Tuple()', values: ['()'], ts: '[]', returns: [[]] },
  // A Nested column of a table created with flatten_nested = 0 (with the default, 1, it is one Array column per element).
  {
    type: 'Nested(a UInt8, `b c` String)',
    values: ['[]', "[(1, 'x'), (2, '')]"],
    ts: 'Array<{ a: number; "b c": string }>',
    returns: [
      [],
      [
        { a: 1, 'b c': 'x' },
        { a: 2, 'b c': '' },
      ],
    ],
  },
  { type: 'Point', values: ['(1.5, -2)'], ts: `[${FLOAT}, ${FLOAT}]`, returns: [[1.5, -2]] },
  { type: 'Ring', values: ['[(0, 0), (1, 1)]'], ts: `Array<[${FLOAT}, ${FLOAT}]>` },
  { type: 'LineString', values: ['[(0, 0), (1, 1)]'], ts: `Array<[${FLOAT}, ${FLOAT}]>` },
  { type: 'MultiLineString', values: ['[[(0, 0), (1, 1)], []]'], ts: `Array<Array<[${FLOAT}, ${FLOAT}]>>` },
  { type: 'Polygon', values: ['[[(0, 0), (1, 0), (0, 1)]]'], ts: `Array<Array<[${FLOAT}, ${FLOAT}]>>` },
  { type: 'MultiPolygon', values: ['[[[(0, 0), (1, 0), (0, 1)]]]'], ts: `Array<Array<Array<[${FLOAT}, ${FLOAT}]>>>` },
  { type: 'SimpleAggregateFunction(sum, UInt64)', values: ['18446744073709551615'], ts: 'string', returns: ['18446744073709551615'] },
];

/** Types without a faithful mapping: `{}` with a description, TypeScript `unknown`. */
const FALLBACK_CASES: OutputCase[] = [
  { type: 'JSON', values: ['\'{"a": 1, "b": {"c": "x"}}\''], ts: 'unknown' },
  { type: 'Dynamic', values: ['1', "'x'"], ts: 'unknown' },
  { type: 'Variant(UInt64, String)', values: ['18446744073709551615', "'x'"], ts: 'unknown' },
  { type: 'AggregateFunction(sum, UInt64)', values: ['sumState(toUInt64(1))'], ts: 'unknown' },
];

const OUTPUT_CASES = [...INT_CASES, ...NUMBER_CASES, ...TEXT_CASES, ...DATE_CASES, ...COMPOSITE_CASES, ...FALLBACK_CASES];

/** The values of a case as the engine returns them, with the type text the engine gives for them. */
async function selectCase(c: OutputCase): Promise<{ type: string; values: unknown[] }> {
  const union = c.values.map((value, i) => `SELECT ${i} AS i, CAST(${value} AS ${c.type}) AS v`).join(' UNION ALL ');
  const rows = await read(`SELECT v, toTypeName(v) AS type FROM (${union}) ORDER BY i`);
  expect(rows).toHaveLength(c.values.length);
  const types = new Set(rows.map((r) => r.type as string));
  expect(types.size).toBe(1);
  return { type: [...types][0]!, values: rows.map((r) => r.v) };
}

const selected = new Map<OutputCase, { type: string; values: unknown[] }>();

describe('output: what tools return validates against outputSchemaOf', () => {
  beforeAll(async () => {
    for (const c of OUTPUT_CASES) selected.set(c, await selectCase(c));
  });

  it.each(OUTPUT_CASES.map((c) => [c.type, c] as const))('%s', (_, c) => {
    const { type, values } = selected.get(c)!;
    // The engine's own type text (Decimal32(4) is Decimal(9, 4), tuples span lines) maps as the written one does.
    if (!FALLBACK_CASES.includes(c)) expect(outputSchemaOf(type)).toEqual(outputSchemaOf(c.type));
    if (c.returns) expect(values).toEqual(c.returns);
    const schema = outputSchemaOf(type);
    for (const value of values) expect(problems(schema, value), `${type}: ${JSON.stringify(value)}`).toEqual([]);
    const rows = values.map((v) => ({ v }));
    const rowSchema = rowSchemaOf([{ name: 'v', type }]);
    for (const row of rows) expect(problems(rowSchema, row)).toEqual([]);
    expect(tsTypeOf(type)).toBe(c.ts);
    expect(unmappedTypes(type, 'output')).toEqual(FALLBACK_CASES.includes(c) ? [type] : []);
  });

  it('schemas are not vacuous: they refuse what the engine never returns for the type', () => {
    const refused: Array<[string, unknown]> = [
      ['UInt8', 256],
      ['UInt8', '1'],
      ['Int32', 1.5],
      ['UInt64', 1],
      ['UInt64', '-1'],
      ['Int64', '01'],
      ['Float64', 'NaN'],
      ['Float64', null],
      ['Decimal(9, 2)', 1.5],
      ['Decimal(9, 2)', '1.234'],
      ['Decimal(9, 2)', '10000000'],
      ['Bool', 1],
      ['FixedString(2)', 'abc'],
      ['UUID', 'not-a-uuid'],
      ['IPv4', '256.0.0.1'],
      ['Date', '2024-02-30'],
      ['DateTime', '2024-01-01 00:00:00'],
      ["Enum8('a' = 1)", 'b'],
      ['Nullable(Nothing)', 0],
      ['Array(Nothing)', [1]],
      ['Array(UInt8)', [null]],
      ['Map(String, UInt8)', { a: '1' }],
      ['Tuple(UInt8, String)', [1]],
      ['Tuple(UInt8, String)', [1, 'x', 2]],
      ['Tuple(a UInt8)', { a: 1, b: 2 }],
      ['Tuple(a UInt8)', {}],
      ['Time', '12:60:00'],
    ];
    for (const [type, value] of refused) expect(problems(outputSchemaOf(type), value), `${type}: ${JSON.stringify(value)}`).toHaveLength(2);
  });

  it('a table of every kind validates row by row against rowSchemaOf, with the types system.columns gives', async () => {
    await writer.command({
      query: `CREATE TABLE wide (
        id UInt64, n Nullable(Int32), amount Decimal(12, 2), ratio Float64, created DateTime('UTC'), day Date32,
        tags Array(LowCardinality(String)), attrs Map(String, Nullable(Float32)), kind Enum8('a' = 1, 'b c' = 2),
        pair Tuple(\`the key\` String, value Nullable(UInt256)), nested Nested(x UInt8, \`y z\` String), ip IPv6, uid UUID
      ) ENGINE = MergeTree ORDER BY id`,
    });
    await writer.command({
      query: `INSERT INTO wide VALUES
        (0, NULL, -9999999999.99, nan, 0, '1900-01-01', [], {}, 'a', ('', NULL), [], [], '::', '00000000-0000-0000-0000-000000000000'),
        (18446744073709551615, -2147483648, 9999999999.99, -inf, 4294967295, '2299-12-31', ['x', ''], {'k': inf, 'n': NULL}, 'b c',
         ('é', 115792089237316195423570985008687907853269984665640564039457584007913129639935), [1, 2], ['p', 'q'], '::ffff:10.0.0.1',
         'ffffffff-ffff-ffff-ffff-ffffffffffff')`,
    });
    const columns = (await read("SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'wide' ORDER BY position")) as Array<{
      name: string;
      type: string;
    }>;
    expect(columns.map((c) => c.name)).toContain('nested.y z');
    const rows = await read('SELECT * FROM wide ORDER BY id');
    expect(rows).toHaveLength(2);
    const schema = rowSchemaOf(columns);
    for (const row of rows) expect(problems(schema, row)).toEqual([]);
    // A column too many or too few is refused.
    expect(problems(schema, { ...rows[0], extra: 1 })).toHaveLength(2);
    const { id: _, ...withoutId } = rows[0]!;
    expect(problems(schema, withoutId)).toHaveLength(2);
    typeChecks([{ type: tsRowTypeOf(columns), values: rows }]);
  });

  it('every value type-checks against its TypeScript type, and wrong values do not', () => {
    typeChecks(
      OUTPUT_CASES.map((c) => ({ type: c.ts, values: selected.get(c)!.values })),
      [
        [tsTypeOf('UInt64'), 1],
        [tsTypeOf('UInt8'), '1'],
        [tsTypeOf("Enum8('a' = 1)"), 'b'],
        [tsTypeOf('Tuple(UInt8, String)'), [1]],
        [tsTypeOf('Tuple(a UInt8)'), { a: 1, b: 2 }],
        [tsTypeOf('Array(Nullable(String))'), [1]],
        [tsTypeOf('Float64'), 'NaN'],
        [tsTypeOf('Nullable(Nothing)'), 0],
      ],
    );
  });
});

const tscBin = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

/** Type-checks each value as a constant of its type (strict), and each wrong value as an expected error. */
function typeChecks(cases: Array<{ type: string; values: unknown[] }>, wrong: Array<[string, unknown]> = []): void {
  const lines = cases.flatMap((c, i) => c.values.map((v, j) => `export const v${i}_${j}: ${c.type} = ${JSON.stringify(v)};`));
  for (const [i, [type, value]] of wrong.entries()) lines.push(`// @ts-expect-error\nexport const wrong${i}: ${type} = ${JSON.stringify(value)};`);
  const tsDir = mkdtempSync(join(tmpdir(), 'mcpc-ts-types-'));
  try {
    writeFileSync(join(tsDir, 'values.ts'), `${lines.join('\n')}\n`);
    const args = ['--noEmit', '--strict', '--exactOptionalPropertyTypes', '--target', 'ES2022', '--types', '', '--pretty', 'false', join(tsDir, 'values.ts')];
    const run = spawnSync(process.execPath, [tscBin, ...args], { encoding: 'utf8', cwd: tsDir });
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.status).toBe(0);
  } finally {
    rmSync(tsDir, { recursive: true, force: true });
  }
}

describe('the settings the mappings assume', () => {
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

// In.

/** An accepted value the engine reads as `output` (as it writes it back), not as the value itself. */
class Reads {
  constructor(
    readonly input: unknown,
    readonly output: unknown,
  ) {}
}
/** A refused value the engine would read as something else. */
class Changes {
  constructor(
    readonly input: unknown,
    readonly output: unknown,
  ) {}
}
/** A refused value the engine would reject with an error. */
class Rejected {
  constructor(readonly input: unknown) {}
}
/** A refused value the engine would read unchanged: refused by choice, for the reason given. */
class Choice {
  constructor(
    readonly input: unknown,
    readonly why: string,
  ) {}
}
const reads = (input: unknown, output: unknown) => new Reads(input, output);
const changes = (input: unknown, output: unknown) => new Changes(input, output);
const rejected = (input: unknown) => new Rejected(input);
const choice = (input: unknown, why: string) => new Choice(input, why);

interface InputCase {
  type: string;
  accept: unknown[];
  refuse: Array<Changes | Rejected | Choice>;
}

const CANONICAL = 'digit strings are written canonically: no sign, leading zeros or exponent';

const INPUT_CASES: InputCase[] = [
  {
    type: 'UInt8',
    accept: [0, 255, reads(1.0, 1)],
    refuse: [
      changes(300, 44),
      changes(256, 0),
      rejected(-1),
      rejected(1.5),
      choice('7', 'integers of 32 bits and fewer are JSON numbers'),
      changes(null, 0),
      changes(true, 1),
    ],
  },
  { type: 'Int8', accept: [-128, 127], refuse: [changes(128, -128), changes(-129, 127)] },
  { type: 'UInt16', accept: [65535], refuse: [changes(65536, 0)] },
  { type: 'Int16', accept: [-32768], refuse: [changes(32768, -32768)] },
  { type: 'UInt32', accept: [4294967295], refuse: [changes(4294967296, 0)] },
  { type: 'Int32', accept: [-2147483648, 2147483647], refuse: [changes(2147483648, -2147483648)] },
  {
    type: 'UInt64',
    accept: [reads(0, '0'), reads(9007199254740991, '9007199254740991'), '18446744073709551615', '9007199254740993', '0', '10000000000000000000'],
    refuse: [
      changes('18446744073709551616', '0'),
      changes('99999999999999999999', '7766279631452241919'),
      // Read exactly, but a number past 2^53 was rounded when the call's JSON was parsed: 2^53 + 1 arrives as 2^53.
      choice(9007199254740992, 'a JSON number past 2^53 may already have been rounded; send digits'),
      rejected('-1'),
      rejected(-1),
      rejected('1e3'),
      choice('007', CANONICAL),
      choice('+7', CANONICAL),
    ],
  },
  {
    type: 'Int64',
    accept: ['-9223372036854775808', '9223372036854775807', reads(-9007199254740991, '-9007199254740991'), '-1'],
    refuse: [changes('9223372036854775808', '-9223372036854775808'), changes('-9223372036854775809', '9223372036854775807'), choice('-0', CANONICAL)],
  },
  {
    type: 'UInt128',
    accept: ['340282366920938463463374607431768211455', '340282366920938463463374607431768211454', '99999999999999999999999999999999999999'],
    refuse: [changes('340282366920938463463374607431768211456', '0')],
  },
  {
    type: 'Int128',
    accept: ['-170141183460469231731687303715884105728', '170141183460469231731687303715884105727'],
    refuse: [changes('170141183460469231731687303715884105728', '-170141183460469231731687303715884105728')],
  },
  {
    type: 'UInt256',
    accept: ['115792089237316195423570985008687907853269984665640564039457584007913129639935'],
    refuse: [changes('115792089237316195423570985008687907853269984665640564039457584007913129639936', '0')],
  },
  {
    type: 'Int256',
    accept: ['-57896044618658097711785492504343953926634992332820282019728792003956564819968'],
    refuse: [
      changes(
        '57896044618658097711785492504343953926634992332820282019728792003956564819968',
        '-57896044618658097711785492504343953926634992332820282019728792003956564819968',
      ),
    ],
  },
  // -0 reaches the engine as 0: JSON.stringify, which writes the argument, writes -0 as 0.
  {
    type: 'Float64',
    accept: [0.1, reads(-0, 0), 1.7976931348623157e308, 5e-324, 'nan', '-nan', 'inf', '-inf', 1e21],
    refuse: [
      choice('NaN', 'non-finite values are written as the engine writes them: nan, -nan, inf, -inf'),
      changes(null, 0),
      choice('1.5', 'numbers are JSON numbers'),
    ],
  },
  {
    type: 'Float32',
    accept: [0.5, 3.4028235e38, -3.4028235e38, 'inf', reads(0.1, 0.1), reads(16777217, 16777216)],
    refuse: [changes(3.5e38, 'inf'), changes(-1e39, '-inf')],
  },
  { type: 'BFloat16', accept: [1.5, reads(0.1, 0.099609375), reads(3.4028235e38, 3.3895314e38), 'nan'], refuse: [changes(1e39, 'inf')] },
  {
    type: 'Decimal(5, 2)',
    // Numbers with at most 2 decimals are read exactly (1.1 is a multiple of 0.01 within the validator's tolerance).
    accept: [
      '123.45',
      '-999.99',
      '0.1',
      reads('1.50', '1.5'),
      reads(999, '999'),
      reads(-7, '-7'),
      reads('-0.00', '0'),
      reads(0.5, '0.5'),
      reads(1.1, '1.1'),
      reads(-999.99, '-999.99'),
    ],
    refuse: [
      changes('123.456', '123.45'),
      changes(123.456, '123.45'),
      changes(0.001, '0'),
      rejected('1000'),
      rejected(1000),
      choice('1e2', CANONICAL),
      choice('.5', CANONICAL),
      choice('05.5', CANONICAL),
    ],
  },
  {
    type: 'Decimal(38, 10)',
    accept: ['1234567890123456789012345678.0123456789', '-0.0000000001'],
    refuse: [rejected('12345678901234567890123456789.0123456789'), changes('0.00000000001', '0')],
  },
  { type: 'Decimal(76, 0)', accept: ['9'.repeat(76), `-${'9'.repeat(76)}`], refuse: [rejected('9'.repeat(77))] },
  { type: 'Bool', accept: [true, false], refuse: [changes(1, true), changes(0, false), rejected('true'), changes(null, false)] },
  {
    type: 'String',
    accept: ['', 'héllo 😀', 'line\nbreak\t\0', '\u2028'],
    refuse: [changes(12, '12'), changes(['a'], '["a"]'), changes({ a: 1 }, '{"a":1}'), changes(true, 'true'), changes(null, '')],
  },
  {
    type: 'FixedString(3)',
    accept: ['abc', reads('ab', 'ab\0'), reads('', '\0\0\0'), 'a\0b'],
    // A schema counts characters, not bytes: 'éé' is 2 characters and 4 bytes.
    refuse: [rejected('abcd'), rejected('éé'), choice('é', 'FixedString takes ASCII, where characters are bytes')],
  },
  {
    type: 'UUID',
    accept: ['61f0c404-5cb3-11e7-907b-a6006ad3dba0', reads('61F0C404-5CB3-11E7-907B-A6006AD3DBA0', '61f0c404-5cb3-11e7-907b-a6006ad3dba0')],
    refuse: [
      rejected('urn:uuid:61f0c404-5cb3-11e7-907b-a6006ad3dba0'),
      rejected('{61f0c404-5cb3-11e7-907b-a6006ad3dba0}'),
      choice('61f0c4045cb311e7907ba6006ad3dba0', 'UUIDs are written with their dashes'),
    ],
  },
  {
    type: 'IPv4',
    accept: ['0.0.0.0', '255.255.255.255'],
    refuse: [
      rejected('256.1.1.1'),
      rejected('1.2.3'),
      rejected(16909060),
      choice('01.2.3.4', 'leading zeros read as decimal, not octal: refused as ambiguous'),
    ],
  },
  {
    type: 'IPv6',
    accept: ['::', '::ffff:1.2.3.4', reads('2001:DB8::1', '2001:db8::1'), '1:2:3:4:5:6:7:8'],
    refuse: [rejected('fe80::1%eth0'), rejected('1::2::3'), choice('1.2.3.4', 'an IPv4 address in an IPv6 column: write ::ffff:1.2.3.4')],
  },
  {
    type: "Enum8('x' = 1, 'y\\'z' = -2)",
    accept: ['x', "y'z"],
    refuse: [rejected('w'), choice(1, 'enum elements are named'), choice('1', 'enum elements are named'), rejected(null)],
  },
  {
    type: 'Date',
    accept: ['1970-01-01', '2149-06-06', '2024-02-29'],
    refuse: [
      changes('2024-02-30', '2024-03-01'),
      changes('2023-02-29', '2023-03-01'),
      changes('2024-13-01', '1970-01-01'),
      changes('1969-12-31', '1970-01-01'),
      changes('2149-06-07', '2149-06-06'),
      changes(19000, '2022-01-08'),
      choice('2024-1-5', 'dates are written YYYY-MM-DD'),
      rejected('2024-01-05T10:00:00Z'),
    ],
  },
  {
    type: 'Date32',
    accept: ['1900-01-01', '2299-12-31', '2000-02-29'],
    refuse: [changes('1899-12-31', '1900-01-01'), changes('2300-01-01', '2299-12-31'), changes('1900-02-29', '1900-03-01')],
  },
  {
    type: "DateTime('UTC')",
    accept: [
      '2024-01-01T10:00:00Z',
      reads('2024-01-01T10:00:00+05:30', '2024-01-01T04:30:00Z'),
      reads('2024-01-01T10:00:00-00:00', '2024-01-01T10:00:00Z'),
      reads('2024-01-01 10:00:00', '2024-01-01T10:00:00Z'),
      reads('2024-01-01T10:00:00', '2024-01-01T10:00:00Z'),
      reads('2024-02-29 23:59:59', '2024-02-29T23:59:59Z'),
      '1970-01-01T00:00:00Z',
      '2106-02-07T06:28:15Z',
      reads('2000-02-29 00:00:00', '2000-02-29T00:00:00Z'),
    ],
    refuse: [
      changes('2024-01-01T10:00:00.5Z', '2024-01-01T10:00:00Z'),
      changes('2024-01-01 24:00:00', '2024-01-02T00:00:00Z'),
      changes('2024-01-01 23:59:60', '2024-01-02T00:00:00Z'),
      changes('2024-01-01T23:59:60Z', '2024-01-02T00:00:00Z'),
      changes('1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z'),
      changes('2106-02-07T06:28:16Z', '2106-02-07T06:28:15Z'),
      rejected('2024-02-30 10:00:00'),
      rejected('2023-02-29 10:00:00'),
      rejected('2100-02-29 10:00:00'),
      rejected('2024-01-01T10:00:00z'),
      rejected('2024-01-01t10:00:00Z'),
      choice(20240105, 'epoch seconds read like YYYYMMDD digits: write a date-time'),
      choice('20240105', 'date-times are written as RFC 3339 or YYYY-MM-DD hh:mm:ss'),
      choice('1970-06-01 00:00:00', 'naive times only in years that stay in range in every time zone; write RFC 3339'),
      choice('2024-01-01T10:00:00+0530', 'offsets are written with a colon (RFC 3339)'),
    ],
  },
  {
    type: "DateTime('Asia/Kolkata')",
    accept: [reads('2024-01-01 10:00:00', '2024-01-01T04:30:00Z'), '2024-01-01T04:30:00Z', '1970-01-01T00:00:00Z'],
    // Midnight in Kolkata on 1970-01-01 is before the epoch: clamped.
    refuse: [changes('1970-01-01 00:00:00', '1970-01-01T00:00:00Z'), changes('2106-02-07 12:00:00', '2106-02-07T06:28:15Z')],
  },
  {
    type: "DateTime('America/New_York')",
    // 02:30 did not exist on 2024-03-10 in New York (clocks went from 02:00 to 03:00): read as 02:30 EDT.
    accept: [reads('2024-01-01 10:00:00', '2024-01-01T15:00:00Z'), reads('2024-03-10 02:30:00', '2024-03-10T06:30:00Z')],
    refuse: [choice('1970-01-01 00:00:00', 'naive times only in years that stay in range in every time zone; write RFC 3339')],
  },
  {
    type: "DateTime64(3, 'UTC')",
    accept: [
      '2024-01-01T10:00:00.123Z',
      reads('2024-01-01T10:00:00.5Z', '2024-01-01T10:00:00.500Z'),
      reads('2024-01-01 10:00:00.12', '2024-01-01T10:00:00.120Z'),
      reads('1969-12-31T23:59:59.5Z', '1969-12-31T23:59:59.500Z'),
      reads('1900-01-01T00:00:00Z', '1900-01-01T00:00:00.000Z'),
      '2299-12-31T23:59:59.999Z',
      reads('1950-06-01 12:00:00', '1950-06-01T12:00:00.000Z'),
    ],
    refuse: [
      changes('2024-01-01T10:00:00.1234Z', '2024-01-01T10:00:00.123Z'),
      changes('2024-01-01 10:00:00.1239', '2024-01-01T10:00:00.123Z'),
      choice('1899-12-31T23:59:59Z', 'before 1900, the start of the documented DateTime64 range (the engine stores it)'),
      choice('2300-01-01T00:00:00Z', 'after 2299, the end of the documented DateTime64 range (the engine stores it)'),
    ],
  },
  {
    type: "DateTime64(9, 'UTC')",
    accept: [reads('2262-04-11T23:47:16.853Z', '2262-04-11T23:47:16.853000000Z'), '2024-01-01T10:00:00.123456789Z'],
    refuse: [
      rejected('2262-04-11T23:47:16.854775808Z'),
      rejected('2262-04-12T00:00:00Z'),
      changes('2024-01-01T10:00:00.1234567891Z', '2024-01-01T10:00:00.123456789Z'),
    ],
  },
  {
    type: 'Time',
    accept: ['12:34:56', '-01:00:00', '999:59:59', '-999:59:59'],
    refuse: [changes('12:60:00', '13:00:00'), rejected('1000:00:00'), rejected('12:34:56.5'), choice(3600, 'times are written hh:mm:ss')],
  },
  { type: 'Time64(3)', accept: ['12:34:56.123', '-999:59:59.999', reads('00:00:01.5', '00:00:01.500')], refuse: [changes('12:34:56.1234', '12:34:56.123')] },
  {
    type: 'Nullable(UInt8)',
    accept: [null, 255],
    refuse: [changes(300, 44)],
  },
  { type: 'LowCardinality(Nullable(String))', accept: [null, 'x'], refuse: [changes(1, '1')] },
  { type: 'LowCardinality(String)', accept: ['x'], refuse: [changes(null, '')] },
  { type: 'Nullable(Nothing)', accept: [null], refuse: [] },
  { type: 'Array(UInt8)', accept: [[], [0, 255]], refuse: [changes([1, 300], [1, 44]), changes(null, []), changes([null], [0]), rejected('[1,2]')] },
  { type: 'Array(Array(Nullable(String)))', accept: [[], [[], ['x', null]]], refuse: [changes([[1]], [['1']])] },
  { type: 'Array(Nullable(Int64))', accept: [['1', null, -5]].map((v) => reads(v, ['1', null, '-5'])), refuse: [changes(['18446744073709551615'], ['-1'])] },
  {
    type: 'Map(String, UInt8)',
    accept: [{}, { k: 1, '': 255 }],
    refuse: [changes({ k: 300 }, { k: 44 }), changes(null, {})],
  },
  {
    type: 'Map(UInt8, String)',
    accept: [{ 0: 'x', 255: 'y' }],
    refuse: [changes({ 300: 'x' }, { 44: 'x' }), rejected({ x: 'x' }), choice({ '01': 'x' }, CANONICAL)],
  },
  { type: 'Map(Int64, String)', accept: [{ '-9223372036854775808': 'x' }], refuse: [changes({ '9223372036854775808': 'x' }, { '-9223372036854775808': 'x' })] },
  { type: 'Map(Date, String)', accept: [{ '2024-02-29': 'x' }], refuse: [changes({ '2024-02-30': 'x' }, { '2024-03-01': 'x' })] },
  {
    type: "Map(DateTime('UTC'), String)",
    accept: [{ '2024-01-01T10:00:00Z': 'x' }, reads({ '2024-01-01 10:00:00': 'x' }, { '2024-01-01T10:00:00Z': 'x' })],
    refuse: [],
  },
  { type: "Map(Enum8('p' = 1), String)", accept: [{ p: 'x' }], refuse: [choice({ 1: 'x' }, 'enum elements are named')] },
  { type: 'Map(FixedString(2), String)', accept: [{ ab: 'x' }, reads({ a: 'x' }, { 'a\0': 'x' })], refuse: [rejected({ abc: 'x' })] },
  {
    type: 'Map(UUID, Array(UInt8))',
    accept: [reads({ '61F0C404-5CB3-11E7-907B-A6006AD3DBA0': [1] }, { '61f0c404-5cb3-11e7-907b-a6006ad3dba0': [1] })],
    refuse: [rejected({ x: [] })],
  },
  { type: 'Map(IPv4, String)', accept: [{ '1.2.3.4': 'x' }], refuse: [] },
  {
    type: 'Tuple(UInt8, String)',
    accept: [[1, 'x']],
    refuse: [rejected([1]), rejected([1, 'x', 3]), changes([300, 'x'], [44, 'x']), rejected({ 1: 1, 2: 'x' }), changes(null, [0, ''])],
  },
  {
    type: 'Tuple(x UInt8, `y z` Nullable(String), `a\\`b` Array(Date))',
    accept: [{ x: 1, 'y z': 'q', 'a`b': [] }, reads({ x: 1, 'a`b': ['2024-01-01'] }, { x: 1, 'y z': null, 'a`b': ['2024-01-01'] })],
    refuse: [
      changes({ 'y z': 'q', 'a`b': [] }, { x: 0, 'y z': 'q', 'a`b': [] }),
      changes({ x: 1, 'y z': null, 'a`b': [], w: 1 }, { x: 1, 'y z': null, 'a`b': [] }),
      rejected([1, 'q', []]),
    ],
  },
  { type: 'Tuple()', accept: [[]], refuse: [] },
  {
    type: 'Point',
    accept: [
      [1.5, -2],
      ['nan', 0],
    ],
    refuse: [rejected([1])],
  },
];

/** What `format(JSONEachRow, 'v <type>', ...)` reads from one row `{"v": value}` (no field when undefined), as tools write it back. */
async function formatRead(structure: string, rows: Row[]): Promise<Row[] | Error> {
  const literal = `'${structure.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  try {
    // As the runtime binds a list argument: its JSON text, one String parameter.
    return await read(`SELECT * FROM format(JSONEachRow, ${literal}, {data:String})`, { data: JSON.stringify(rows) });
  } catch (error) {
    return error as Error;
  }
}

async function readAs(type: string, value: unknown): Promise<unknown> {
  const rows = await formatRead(`v ${type}`, [value === undefined ? {} : { v: value }]);
  return rows instanceof Error ? rows : rows[0]?.v;
}

describe('input: what inputSchemaOf accepts, format(JSONEachRow, ...) reads unchanged', () => {
  it.each(INPUT_CASES.map((c) => [c.type, c] as const))('%s', async (_, c) => {
    const schema = inputSchemaOf(c.type);
    expect(unmappedTypes(c.type, 'input')).toEqual([]);
    for (const entry of c.accept) {
      const [input, output] = entry instanceof Reads ? [entry.input, entry.output] : [entry, entry];
      expect(problems(schema, input), `${c.type} accepts ${JSON.stringify(input)}`).toEqual([]);
      expect(await readAs(c.type, input), `${c.type} reads ${JSON.stringify(input)}`).toEqual(output);
    }
    for (const entry of c.refuse) {
      expect(accepts(schema, entry.input), `${c.type} refuses ${JSON.stringify(entry.input)}`).toBe(false);
      const got = await readAs(c.type, entry.input);
      if (entry instanceof Changes) expect(got, `the engine changes ${JSON.stringify(entry.input)}`).toEqual(entry.output);
      else if (entry instanceof Rejected) expect(got, `the engine rejects ${JSON.stringify(entry.input)}`).toBeInstanceOf(Error);
      else expect(got instanceof Error, `${JSON.stringify(entry.input)} is refused by choice (${entry.why}), and the engine reads it`).toBe(false);
    }
  });

  it('round trip: every value a tool returns is accepted as input and read back unchanged, but for the choices above', async () => {
    // Refused by choice: before 1900 (the documented DateTime64 range), the last millisecond of
    // DateTime64(9) (ajv compares milliseconds), and FixedString text that is not ASCII.
    const refused = new Set(['1899-12-31T18:38:50.000000Z', '2262-04-11T23:47:16.854775807Z', 'é\0\0', '\uFFFD'.repeat(4)]);
    let checked = 0;
    for (const c of OUTPUT_CASES) {
      const { type, values } = selected.get(c) ?? (await selectCase(c));
      if (unmappedTypes(type, 'input').length > 0) continue;
      const schema = inputSchemaOf(type);
      for (const value of values) {
        if (refused.has(value as string)) {
          expect(accepts(schema, value)).toBe(false);
          continue;
        }
        expect(problems(schema, value), `${type} accepts ${JSON.stringify(value)}`).toEqual([]);
        // -0 is written back as 0 (JSON.stringify writes the argument).
        expect(await readAs(type, value), `${type} reads back ${JSON.stringify(value)}`).toEqual(Object.is(value, -0) ? 0 : value);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('Nothing takes no value; fallbacks take any and say so', () => {
    expect(accepts(inputSchemaOf('Array(Nothing)'), [])).toBe(true);
    expect(accepts(inputSchemaOf('Array(Nothing)'), [null])).toBe(false);
    for (const type of ['JSON', 'Dynamic', 'Variant(UInt8, String)', 'AggregateFunction(sum, UInt64)']) {
      expect(inputSchemaOf(type)).toEqual({ description: expect.stringContaining(type) });
      expect(unmappedTypes(type, 'input')).toEqual([type]);
    }
    // The engine cannot read a Bool or a float from an object key, so such a Map is not mapped on input.
    expect(unmappedTypes('Map(Bool, String)', 'input')).toEqual(['Map key Bool']);
    expect(unmappedTypes('Map(Bool, String)', 'output')).toEqual([]);
  });
});

describe('structureSchemaOf: one row of a format() structure', () => {
  const structure = "id UInt64, `the name` String, note Nullable(String), tags Array(LowCardinality(String)), at DateTime('UTC')";
  const schema = structureSchemaOf(structure);

  it('requires every column but the Nullable ones, and nothing else', () => {
    expect(schema).toMatchObject({ type: 'object', required: ['id', 'the name', 'tags', 'at'], additionalProperties: false });
    expect(Object.keys(schema.properties as object)).toEqual(['id', 'the name', 'note', 'tags', 'at']);
    expect(structureSchemaOf('a Tuple(b LowCardinality(Nullable(String)), c UInt8)')).toMatchObject({
      properties: { a: { required: ['c'] } },
      required: ['a'],
    });
  });

  it('matches what the engine does with missing, null and unknown fields', async () => {
    const full = { id: '1', 'the name': 'x', note: 'n', tags: ['t'], at: '2024-01-01T00:00:00Z' };
    expect(accepts(schema, full)).toBe(true);
    expect(await formatRead(structure, [full])).toEqual([full]);
    // A Nullable column left out is NULL, as if sent as null: accepted.
    const { note: _, ...noNote } = full;
    expect(accepts(schema, noNote)).toBe(true);
    expect(await formatRead(structure, [noNote])).toEqual([{ ...full, note: null }]);
    // Any other column left out is read as its default, 0 or '' or 1970: refused.
    for (const column of ['id', 'the name', 'tags', 'at'] as const) {
      const { [column]: __, ...missing } = full;
      expect(accepts(schema, missing), `without ${column}`).toBe(false);
      const [row] = (await formatRead(structure, [missing])) as Row[];
      expect(row![column]).toEqual({ id: '0', 'the name': '', tags: [], at: '1970-01-01T00:00:00Z' }[column]);
    }
    // null for a column that is not Nullable is read as its default too.
    expect(accepts(schema, { ...full, id: null })).toBe(false);
    expect(await formatRead(structure, [{ ...full, id: null }])).toEqual([{ ...full, id: '0' }]);
    // A field the structure does not have is skipped without a word: refused (it is usually a misspelt column).
    expect(accepts(schema, { ...full, nme: 'y' })).toBe(false);
    expect(await formatRead(structure, [{ ...full, nme: 'y' }])).toEqual([full]);
  });

  it('reads many rows in order; zero rows is an engine bug that tools avoid (NOT_FOUND_COLUMN_IN_BLOCK)', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: String(i), 'the name': `n${i}`, note: null, tags: [], at: '2024-01-01T00:00:00Z' }));
    for (const row of rows) expect(accepts(schema, row)).toBe(true);
    expect(await formatRead(structure, rows)).toEqual(rows);
    expect(await formatRead(structure, [])).toBeInstanceOf(Error);
  });

  it('reads a Nested column as one array per element, as DESCRIBE shows it', async () => {
    const nested = 'n Nested(a UInt8, `b c` String), m UInt8';
    const flat = structureSchemaOf(nested);
    expect(flat).toMatchObject({ required: ['n.a', 'n.b c', 'm'] });
    const row = { 'n.a': [1, 2], 'n.b c': ['x', 'y'], m: 3 };
    expect(accepts(flat, row)).toBe(true);
    expect(await formatRead(nested, [row])).toEqual([row]);
    // Written as the rows of a table show it, the column is skipped without a word: refused.
    expect(accepts(flat, { n: [{ a: 1, 'b c': 'x' }], m: 3 })).toBe(false);
    expect(await formatRead(nested, [{ n: [{ a: 1, 'b c': 'x' }], m: 3 }])).toEqual([{ 'n.a': [], 'n.b c': [], m: 3 }]);
    expect(unmappedTypes('Nested(a UInt8)', 'input')).toEqual(['Nested(a UInt8)']);
  });

  it('refuses what is not a structure', () => {
    expect(() => structureSchemaOf('UInt8')).toThrow(/not a column/);
    expect(() => structureSchemaOf('a UInt8,')).toThrow(/missing/);
    expect(() => structureSchemaOf('a Array(UInt8')).toThrow(/unbalanced/);
  });
});
