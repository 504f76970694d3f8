import { join } from 'node:path';
import { Session } from 'chdb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQueryFacts } from '../../runtime/contract/query-tree.js';
import { refusedByAst } from '../../runtime/contract/select-ast.js';
import { tablesRead } from '../../runtime/contract/table-reads.js';
import { repoRoot } from '../support/paths.js';

/**
 * The SQL guard, property-based: texts assembled from fragments (SELECTs over declared and
 * undeclared tables, other statements, every comment form, settings and formats, stacked with
 * `;`) go through the built guard (its own process, as a server runs it). Whatever is generated:
 *
 * - a text whose code (outside comments) names an undeclared table, runs another statement, or
 *   carries SETTINGS or FORMAT is never approved;
 * - every text approved is, re-parsed by an independent engine with the same DDL, one statement
 *   that formats to itself, one SELECT with no forbidden clause, reading only declared tables:
 *   what would reach the source is checked by what the engine makes of it, not by the guard's word.
 */
const DDL = [
  "CREATE TABLE events (id UInt64, kind String, amount Decimal(10, 2), at DateTime('UTC')) ENGINE = MergeTree ORDER BY id",
  'CREATE TABLE secrets (id UInt64, password String) ENGINE = MergeTree ORDER BY id',
  'CREATE TABLE undeclared (id UInt64, note String) ENGINE = MergeTree ORDER BY id',
  "CREATE VIEW public_view AS SELECT id, kind FROM events WHERE kind = 'buy'",
  'CREATE VIEW leaky_view AS SELECT id, password FROM secrets',
];
const CATALOG = { database: 'default', ddl: DDL };
const POLICY = { tables: ['default.events', 'default.public_view'], database: 'default' };

type Guard = { check(sql: string, policy: typeof POLICY): Promise<{ ok: true; sql: string } | { ok: false; message: string }> };
let guard: Guard;
let engine: Session;
beforeAll(async () => {
  // The built guard: it forks its compiled worker, as a generated server does.
  const { SqlGuard } = (await import(join(repoRoot, 'dist', 'runtime', 'sql-guard', 'guard.js'))) as { SqlGuard: { of(catalog: typeof CATALOG): Guard } };
  guard = SqlGuard.of(CATALOG);
  engine = new Session();
  for (const statement of DDL) await engine.queryAsync(statement);
}, 60_000);
afterAll(() => engine?.close());

/** A fragment of SQL and what it makes the text, as the generator knows it. */
interface Piece {
  sql: string;
  /** Names an undeclared table, runs something other than a SELECT, or sets what the server controls. */
  forbidden: boolean;
}

const declared = fc.constantFrom('events', 'public_view', 'default.events', '`events`', '"public_view"');
const undeclared = fc.constantFrom(
  'secrets',
  'undeclared',
  'leaky_view',
  'default.secrets',
  '"secrets"',
  '`default`.`secrets`',
  'system.tables',
  'system.one',
  'INFORMATION_SCHEMA.TABLES',
  'information_schema.columns',
);
const table: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 2, arbitrary: declared.map((name) => ({ sql: name, forbidden: false })) },
  // system.one is what a SELECT without FROM reads: it counts as reading nothing.
  { weight: 1, arbitrary: undeclared.map((name) => ({ sql: name, forbidden: name !== 'system.one' })) },
);
const comment = fc.constantFrom('', ' ', ' /* c */ ', ' /* a /* nested */ b */ ', ' -- line\n', ' # hash\n', ' // slashes\n', '\n/*; DROP TABLE events */\n');

const select: fc.Arbitrary<Piece> = fc.oneof(
  table.map((t) => ({ sql: `SELECT count() FROM ${t.sql}`, forbidden: t.forbidden })),
  table.map((t) => ({ sql: `SELECT * FROM ${t.sql} LIMIT 3`, forbidden: t.forbidden })),
  fc.tuple(table, table).map(([a, b]) => ({ sql: `SELECT 1 FROM ${a.sql} UNION ALL SELECT 1 FROM ${b.sql}`, forbidden: a.forbidden || b.forbidden })),
  fc.tuple(table, table).map(([a, b]) => ({ sql: `SELECT count() FROM ${a.sql} WHERE 1 IN (SELECT 1 FROM ${b.sql})`, forbidden: a.forbidden || b.forbidden })),
  table.map((t) => ({ sql: `WITH c AS (SELECT 1 AS x FROM ${t.sql}) SELECT x FROM c`, forbidden: t.forbidden })),
  table.map((t) => ({ sql: `SELECT (SELECT count() FROM ${t.sql}) AS n`, forbidden: t.forbidden })),
  fc.constantFrom('SELECT 1', 'SELECT number FROM numbers(5)').map((sql) => ({ sql, forbidden: false })),
);
const statement: fc.Arbitrary<Piece> = fc
  .constantFrom(
    'DROP TABLE events',
    "INSERT INTO events VALUES (9, 'x', 1, now())",
    'SET readonly = 0',
    'SET ROLE NONE',
    'ALTER TABLE events DELETE WHERE 1',
    'TRUNCATE TABLE events',
    'CREATE TABLE t2 (a UInt8) ENGINE = Memory',
    'KILL QUERY WHERE 1',
    'SYSTEM DROP DNS CACHE',
    'OPTIMIZE TABLE events',
  )
  .map((sql) => ({ sql, forbidden: true }));
const suffix: fc.Arbitrary<Piece> = fc.oneof(
  fc.constantFrom('', ' LIMIT 10').map((sql) => ({ sql, forbidden: false })),
  fc.constantFrom(' SETTINGS readonly = 0', ' SETTINGS max_result_rows = 0', ' FORMAT JSON', " INTO OUTFILE '/tmp/x'").map((sql) => ({ sql, forbidden: true })),
);
/** One statement: a SELECT with a suffix, or another statement; wrapped in comments. */
const part: fc.Arbitrary<Piece> = fc
  .tuple(comment, fc.oneof({ weight: 3, arbitrary: select }, { weight: 1, arbitrary: statement }), suffix, comment)
  .map(([before, body, end, after]) => ({ sql: `${before}${body.sql}${end.sql}${after}`, forbidden: body.forbidden || end.forbidden }));
/** One statement, or several stacked with `;` (anything after the first makes it forbidden). */
const text: fc.Arbitrary<Piece> = fc
  .oneof({ weight: 3, arbitrary: part.map((p) => [p]) }, { weight: 1, arbitrary: fc.array(part, { minLength: 2, maxLength: 3 }) })
  .chain((parts) =>
    fc.boolean().map((trailing) => ({
      sql: parts.map((p) => p.sql).join(';') + (trailing ? ';' : ''),
      forbidden: parts.length > 1 || parts.some((p) => p.forbidden),
    })),
  );

/** What an independent engine makes of the text the guard approved, or the reason it is not safe. */
async function unsafe(canonical: string): Promise<string | undefined> {
  const bind = async (sql: string, params: Record<string, unknown>) =>
    (await engine.queryBindAsync(sql, params, { format: 'TSVRaw' })).text().replace(/\n$/, '');
  const again = await bind('SELECT formatQuerySingleLine({q:String})', { q: canonical });
  if (again !== canonical) return `does not format to itself: ${again}`;
  const ast = (await engine.queryAsync(`EXPLAIN AST ${canonical}`, { format: 'TSVRaw' })).text().split('\n');
  const refused = refusedByAst(ast);
  if (refused) return `the AST shows ${JSON.stringify(refused)}`;
  const facts = readQueryFacts((await engine.queryAsync(`EXPLAIN QUERY TREE passes = 1 ${canonical}`, { format: 'TSVRaw' })).text());
  const outside = tablesRead(facts, 'default').filter((t) => !POLICY.tables.includes(t));
  if (outside.length > 0) return `reads ${outside.join(', ')}`;
  const functions = facts.tableFunctions.filter((f) => f !== 'numbers');
  if (functions.length > 0) return `reads through ${functions.join(', ')}`;
  return undefined;
}

describe('the SQL guard, on generated SQL', () => {
  it('never approves a text that reads outside its tables or is other than one SELECT, and everything it approves is safe when re-parsed', async () => {
    let approved = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(text, async (piece) => {
        const verdict = await guard.check(piece.sql, POLICY);
        if (!verdict.ok) {
          refused++;
          expect(verdict.message.length).toBeGreaterThan(0);
          return;
        }
        approved++;
        expect(piece.forbidden, `approved ${JSON.stringify(piece.sql)} as ${verdict.sql}`).toBe(false);
        expect(await unsafe(verdict.sql), `approved ${JSON.stringify(piece.sql)} as ${verdict.sql}`).toBeUndefined();
      }),
      { numRuns: 1000, seed: 20261201 },
    );
    // The generator reaches both sides: a property that only ever saw refusals would prove nothing.
    expect(approved).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(250);
  }, 300_000);
});
