import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderByKey } from '../../compiler/analyze/tools/stream-key.js';
import type { StreamKeyColumn } from '../../runtime/contract/spec.js';
import { afterPageSql, afterParam, firstPageSql, PAGE_LIMIT_PARAM } from '../../runtime/contract/stream.js';

/**
 * The SQL of stream pages (runtime/contract/stream.ts) against chDB: a page after a cursor is the
 * tool's SQL resumed after the last key, and ClickHouse reads from that key on through the table's
 * primary key, as its rows-read counter shows, instead of the whole table.
 */
let session: Session;
beforeAll(() => {
  session = new Session();
  session.query('CREATE TABLE events (day Date, id UInt64, kind String) ENGINE = MergeTree ORDER BY (day, id)');
  session.query("INSERT INTO events SELECT toDate('2024-01-01') + intDiv(number, 10000), number, 'x' FROM numbers(1000000)");
});
afterAll(() => session?.close());

const sql = 'SELECT day, id, kind\nFROM events\nWHERE kind = {kind:String}\nORDER BY\n    day ASC,\n    id ASC';
const key: StreamKeyColumn[] = [
  { name: 'day', type: 'Date', descending: false, encoding: 'value' },
  { name: 'id', type: 'UInt64', descending: false, encoding: 'value' },
];

function run(text: string, params: Record<string, unknown>): { rows: Array<{ day: string; id: string }>; read: number } {
  const out = JSON.parse(session.queryBind(`${text}\nFORMAT JSON SETTINGS output_format_json_quote_64bit_integers = 1`, params, 'JSON')) as {
    data: Array<{ day: string; id: string }>;
    statistics: { rows_read: number };
  };
  return { rows: out.data, read: out.statistics.rows_read };
}

describe('stream pages', () => {
  it('resumes after the key, reading from it on through the primary key, not the whole table', () => {
    const first = run(firstPageSql(sql), { kind: 'x', [PAGE_LIMIT_PARAM]: 3 });
    expect(first.rows.map((r) => r.id)).toEqual(['0', '1', '2']);
    const after = run(afterPageSql(sql, key), { kind: 'x', [PAGE_LIMIT_PARAM]: 3, [afterParam(0)]: '2024-03-15', [afterParam(1)]: '740000' });
    expect(after.rows).toEqual([
      { day: '2024-03-15', id: '740001', kind: 'x' },
      { day: '2024-03-15', id: '740002', kind: 'x' },
      { day: '2024-03-15', id: '740003', kind: 'x' },
    ]);
    // The table has a million rows; the page read a few granules (8,192 rows each) at the key.
    expect(after.read).toBeLessThan(100_000);
    const scan = run(`SELECT * FROM (${sql}) WHERE (day, id) > ({a:Date}, {b:UInt64}) ORDER BY day, id LIMIT 3`, { kind: 'x', a: '2024-03-15', b: '740000' });
    expect(scan.rows).toEqual(after.rows);
    // The same resumption as a tuple comparison reads most of the table: why the pages do not use it.
    expect(scan.read).toBeGreaterThan(200_000);
  });

  it('resumes a descending key with <', () => {
    const down = [
      { ...key[0]!, descending: true },
      { ...key[1]!, descending: true },
    ];
    const text = afterPageSql(sql.replace('day ASC', 'day DESC').replace('id ASC', 'id DESC'), down);
    const page = run(text, { kind: 'x', [PAGE_LIMIT_PARAM]: 2, [afterParam(0)]: '2024-03-15', [afterParam(1)]: '740000' });
    expect(page.rows.map((r) => r.id)).toEqual(['739999', '739998']);
  });
});

describe('the key of a stream', () => {
  it('is the top-level ORDER BY columns with their directions', () => {
    expect(orderByKey('SELECT a, b FROM t WHERE x IN (SELECT x FROM u ORDER BY x) ORDER BY a DESC, `b c` ASC')).toEqual({
      ok: true,
      columns: [
        { name: 'a', descending: true },
        { name: 'b c', descending: false },
      ],
    });
  });

  it.each([
    ['SELECT a FROM t', /no ORDER BY at the top/],
    ['SELECT a FROM t ORDER BY a LIMIT 10', /LIMIT at the top/],
    ['SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a', /UNION at the top/],
    ['SELECT a FROM t ORDER BY toDate(a)', /ORDER BY toDate\(a\) is not a column of the result/],
    ['SELECT a FROM t ORDER BY a WITH FILL', /WITH FILL/],
    ["SELECT a FROM t ORDER BY a COLLATE 'en'", /is not a column of the result/],
    ["SELECT 'ORDER BY x' AS a FROM t -- ORDER BY a\n", /no ORDER BY at the top/],
  ])('is refused for %s', (text, problem) => {
    const key = orderByKey(text);
    expect(key.ok).toBe(false);
    if (!key.ok) expect(key.problem).toMatch(problem);
  });
});
