import { describe, expect, it } from 'vitest';
import { type PlaceholderSample, SqlChecker } from '../../compiler/analyze/sql-checker.js';

/**
 * Formatting texts ahead in batches is only a speed-up: every verdict must be the one the engine
 * gives for the text checked alone, including the failures a batch cannot explain.
 */
const ID: PlaceholderSample[] = [{ name: 'id', type: 'UInt64', sample: 1 }];
const cases: Array<{ sql: string; placeholders: PlaceholderSample[] }> = [
  { sql: 'select id, amount from orders where id = {id:UInt64} -- a comment', placeholders: ID },
  { sql: "SELECT 'é€😀' AS s, id FROM orders WHERE id = {id:UInt64}", placeholders: ID },
  { sql: 'SELECT 1; DROP TABLE orders', placeholders: [] },
  { sql: 'SELEC id FROM orders WHERE', placeholders: [] },
  { sql: 'INSERT INTO orders VALUES (1)', placeholders: [] },
  { sql: 'SELECT id FROM orders WHERE id = {id:UInt64} FORMAT JSON', placeholders: ID },
  { sql: 'SELECT id FROM orders WHERE id = {id:UInt64} AND kind = {kind:String}', placeholders: ID },
  { sql: 'WITH t AS (SELECT 1 AS x) SELECT x FROM t SETTINGS readonly = 0', placeholders: [] },
];
// Enough texts to fill more than one 64 KiB batch.
const many = Array.from({ length: 600 }, (_, i) => ({
  sql: `SELECT id, amount, created FROM bench_events WHERE kind = ${i} AND toDate(created) BETWEEN {from:Date} AND {to:Date} LIMIT {limit:UInt32}`,
  placeholders: [
    { name: 'from', type: 'Date', sample: '2024-01-01' },
    { name: 'to', type: 'Date', sample: '2024-01-01' },
    { name: 'limit', type: 'UInt32', sample: 1 },
  ],
}));

/** Verdicts from a fresh checker (the engine allows one session per process, so one at a time). */
async function verdicts(formatAhead: boolean, all: typeof cases) {
  const checker = await SqlChecker.open();
  try {
    // All but the two texts the engine cannot format (a second statement, a syntax error).
    if (formatAhead) expect(await checker.formatAhead(all.map((c) => c.sql))).toBe(all.length - 2);
    const out = [];
    for (const c of all) out.push(await checker.check(c.sql, c.placeholders));
    return out;
  } finally {
    checker.close();
  }
}

describe('SqlChecker.formatAhead', () => {
  it('gives every text the verdict it gets when checked alone', async () => {
    const all = [...cases, ...many];
    const expected = await verdicts(false, all);
    expect(await verdicts(true, all)).toEqual(expected);
    // The cases cover success and each kind of refusal, so equality is not between two blanks.
    expect(expected.slice(0, cases.length).map((v) => (v.ok ? 'ok' : v.problem))).toEqual([
      'ok',
      'ok',
      'multi-statement',
      'syntax',
      'not-select',
      'forbidden-clause',
      'undeclared-placeholder',
      'forbidden-clause',
    ]);
  });
});
