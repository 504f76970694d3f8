import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectStdio } from '../support/servers.js';

/**
 * Hostile SQL against a `kind: sql` tool of a real generated server (test/security/sql/sql.yaml,
 * embedded chDB, the stock MCP client over stdio): each text is refused with SQL.REFUSED (or
 * PARAMS.INVALID, where the input schema stops it first) and a message that says what is wrong,
 * the server answers a valid call right after, and no table of the database changed.
 */
let client: Client;
beforeAll(async () => {
  const serverJs = buildPipeline('test/security/sql/sql.yaml', 'sqlguard');
  ({ client } = await connectStdio(serverJs));
}, 120_000);
afterAll(async () => {
  await client?.close();
});

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
const explore = (sql: string) => client.callTool({ name: 'explore', arguments: { sql } });

/** Rows of every table, and the tables and dictionaries the database holds. */
async function snapshot(): Promise<unknown> {
  const counts = await client.callTool({ name: 'row_counts', arguments: {} });
  expect(counts.isError, text(counts)).toBeFalsy();
  return counts.structuredContent;
}

/** [what it tries, the SQL, what the refusal must say]. */
const HOSTILE: Array<[string, string, RegExp]> = [
  // Stacked statements and comments that hide them.
  ['stacked statements', 'SELECT 1; DROP TABLE events', /more than one statement/],
  ['a statement after a trailing semicolon', "SELECT 1;\nINSERT INTO events VALUES (999, 'x', 1, now())", /more than one statement/],
  ['a DROP after a line comment that ends', 'SELECT 1 -- a comment\n; DROP TABLE events', /more than one statement/],
  ['a DROP after a # comment that ends', 'SELECT 1 # hash comment\n; DROP TABLE events', /more than one statement/],
  ['a DROP after a // comment that ends', 'SELECT 1 // slash comment\n; DROP TABLE events', /more than one statement/],
  ['a DROP after a nested block comment', 'SELECT 1 /* outer /* inner */ still comment */; DROP TABLE events', /more than one statement/],
  ['an unterminated nested comment that swallows a second statement', 'SELECT * FROM secrets /* /* */ ; SELECT 1', /reads secrets|cannot parse/],
  [
    'a comment between SELECT and a secret table',
    'SELECT/**/password/**/FROM/**/secrets',
    /reads secrets, which this tool may not read; it may read: events, public_view/,
  ],
  // Writes and statements that are not SELECT, however dressed.
  ['a write hidden in a CTE', 'WITH x AS (INSERT INTO events VALUES (1)) SELECT 1', /cannot parse/],
  ['DELETE in a CTE', 'WITH d AS (DELETE FROM events WHERE 1) SELECT * FROM d', /cannot parse/],
  ['INSERT', "INSERT INTO events VALUES (999, 'x', 1, now())", /not a SELECT.*InsertQuery/],
  ['INSERT ... SELECT from a secret table', 'INSERT INTO events SELECT id, password, 0, now() FROM secrets', /not a SELECT/],
  ['ALTER', 'ALTER TABLE events DELETE WHERE 1', /not a SELECT/],
  ['DROP', 'DROP TABLE events', /not a SELECT.*DropQuery/],
  ['TRUNCATE', 'TRUNCATE TABLE events', /not a SELECT/],
  ['CREATE', 'CREATE TABLE copy ENGINE = Memory AS SELECT * FROM secrets', /not a SELECT/],
  ['SET', 'SET readonly = 0', /not a SELECT.*Set/],
  ['SET ROLE', 'SET ROLE NONE', /not a SELECT.*SetRoleQuery/],
  ['KILL', 'KILL QUERY WHERE 1', /not a SELECT/],
  ['SYSTEM', 'SYSTEM DROP DNS CACHE', /not a SELECT/],
  ['OPTIMIZE', 'OPTIMIZE TABLE events FINAL', /not a SELECT/],
  ['EXPLAIN', 'EXPLAIN SELECT * FROM secrets', /not a SELECT/],
  ['SHOW', 'SHOW TABLES', /not a SELECT/],
  ['a DROP run beside a SELECT with PARALLEL WITH', 'SELECT 1 PARALLEL WITH DROP TABLE events', /not a SELECT.*ParallelWithQuery/],
  ['DESCRIBE of a secret table', 'DESCRIBE TABLE secrets', /not a SELECT/],
  // Clauses the server controls itself.
  ['INTO OUTFILE', "SELECT * FROM events INTO OUTFILE '/tmp/mcpc-leak.csv'", /INTO OUTFILE is not allowed/],
  ['FORMAT', 'SELECT * FROM events FORMAT TabSeparated', /FORMAT TabSeparated is not allowed/],
  ['SETTINGS readonly=0', 'SELECT * FROM events SETTINGS readonly = 0', /SETTINGS is not allowed/],
  ['SETTINGS that lift the limits', 'SELECT * FROM events SETTINGS max_result_rows = 0, max_execution_time = 0', /SETTINGS is not allowed/],
  ['SETTINGS in a subquery', 'SELECT * FROM (SELECT * FROM events SETTINGS max_threads = 64)', /SETTINGS is not allowed/],
  // Table functions and functions that reach outside.
  ['url()', "SELECT * FROM url('http://127.0.0.1:1/', CSV, 'a String')", /table function url\(\) is not allowed/],
  ['file() as a table', "SELECT * FROM file('/etc/passwd', LineAsString)", /file\(\) is not allowed/],
  ['file() as a function', "SELECT file('/etc/passwd')", /function file\(\) is not allowed/],
  ['FILE() in upper case', "SELECT FILE('/etc/passwd')", /function FILE\(\) is not allowed/],
  ['s3()', "SELECT * FROM s3('http://127.0.0.1:1/b/k.csv', CSV)", /table function s3\(\) is not allowed/],
  ['remote()', "SELECT * FROM remote('127.0.0.1', default.secrets)", /table function remote\(\) is not allowed/],
  ['remoteSecure()', "SELECT * FROM remoteSecure('127.0.0.1', default.secrets)", /table function remoteSecure\(\) is not allowed/],
  ['executable()', "SELECT * FROM executable('cat /etc/passwd', LineAsString, 'l String')", /table function executable\(\) is not allowed/],
  ['input()', "SELECT * FROM input('a String')", /table function input\(\) is not allowed/],
  ['format()', `SELECT * FROM format(JSONEachRow, '{"a": 1}')`, /table function format\(\) is not allowed/],
  ['merge() over every table', "SELECT * FROM merge(currentDatabase(), '.*')", /table function merge\(\) is not allowed/],
  ['view() over a secret table', 'SELECT * FROM view(SELECT * FROM secrets)', /table function view\(\) is not allowed/],
  ['a table function inside IN', "SELECT * FROM events WHERE kind IN (SELECT * FROM url('http://127.0.0.1:1/', CSV, 'k String'))", /url\(\) is not allowed/],
  ['hasColumnInTable() probing a secret table', "SELECT hasColumnInTable('default', 'secrets', 'password')", /function hasColumnInTable\(\) is not allowed/],
  // The engine's own tables, unless declared.
  ['system.tables', 'SELECT * FROM system.tables', /reads system\.tables, which this tool may not read/],
  ["system.processes (other callers' queries)", 'SELECT query FROM system.processes', /reads system\.processes/],
  ['information_schema', 'SELECT * FROM information_schema.tables', /reads information_schema\.tables/],
  ['INFORMATION_SCHEMA in upper case', 'SELECT * FROM INFORMATION_SCHEMA.COLUMNS', /reads INFORMATION_SCHEMA\.COLUMNS/],
  // Undeclared tables by every road.
  ['a secret table', 'SELECT * FROM secrets', /reads secrets, which this tool may not read/],
  ['a table no resource of the tool names', 'SELECT * FROM undeclared', /reads undeclared/],
  ['a secret table, qualified', 'SELECT * FROM default.secrets', /reads secrets/],
  ['UNION into a secret table', 'SELECT toString(id) FROM events UNION ALL SELECT password FROM secrets', /reads secrets/],
  ['a JOIN', 'SELECT e.id, s.password FROM events AS e JOIN secrets AS s ON e.id = s.id', /reads secrets/],
  ['a comma join', 'SELECT * FROM events AS e, secrets AS s LIMIT 1', /reads secrets/],
  ['IN (SELECT ...)', 'SELECT * FROM events WHERE id IN (SELECT id FROM secrets)', /reads secrets/],
  ['IN a table', 'SELECT * FROM events WHERE id IN secrets', /reads secrets/],
  ['a scalar subquery', 'SELECT (SELECT any(password) FROM secrets) AS p', /reads secrets/],
  ['a CTE over a secret table', 'WITH s AS (SELECT password FROM secrets) SELECT * FROM s', /reads secrets/],
  ['dictGet of a dictionary over a secret table', "SELECT dictGet('secret_dict', 'password', toUInt64(1))", /reads secret_dict/],
  ['dictGet of a dictionary whose name is computed', "SELECT dictGet(concat('secret', '_dict'), 'password', toUInt64(1))", /reads secret_dict/],
  ['a view whose base table is secret, not declared', 'SELECT * FROM leaky_view', /reads leaky_view/],
  // Unicode and case tricks.
  ['fullwidth letters', 'ＳＥＬＥＣＴ * ＦＲＯＭ secrets', /cannot parse/],
  ['a fullwidth semicolon', 'SELECT 1； DROP TABLE events', /cannot parse/],
  ['mixed-case keywords and quoted identifiers', 'sElEcT * FrOm "system"."tables"', /reads system\.tables/],
  ['backquoted identifiers', 'SELECT * FROM `default`.`secrets`', /reads secrets/],
  ['a zero-width space in a name', 'SELECT * FROM secr\u200Bets', /cannot parse|refuses it/],
  // Values the engine would compute while resolving the query, smuggled into its error messages.
  [
    'a scalar subquery of system.tables cast to fail',
    "SELECT CAST((SELECT groupConcat(name) FROM system.tables WHERE database = 'default') AS UInt8)",
    /message is withheld/,
  ],
  [
    'throwIf over a scalar subquery of system.tables',
    'SELECT throwIf(1, (SELECT groupConcat(create_table_query) FROM system.tables))',
    /reads system\.tables|withheld/,
  ],
  [
    "a misspelt column of a secret table (the engine's suggestion would name its columns)",
    'SELECT pasword FROM secrets',
    /Unknown expression identifier `pasword`/,
  ],
  ["a misspelt secret table (the engine's suggestion would name it)", 'SELECT * FROM secret', /Unknown table expression identifier 'secret'/],
  // Nothing to run.
  ['only a comment', '-- nothing here', /no statement/],
  ['a query parameter with no value', 'SELECT {x:String}', /Substitution|cannot parse/],
];

describe('the SQL guard of kind: sql tools', () => {
  it('answers a valid SELECT over its tables with rows typed as JSON and the columns the engine resolved', async () => {
    const result = await explore('SELECT kind, count() AS n, sum(amount) AS total, max(at) AS last FROM events GROUP BY kind ORDER BY kind');
    expect(result.isError, text(result)).toBeFalsy();
    expect(result.structuredContent).toEqual({
      rows: [
        { kind: 'buy', n: '66', total: '1641.75', last: '2024-01-09T05:00:00Z' },
        { kind: 'click', n: '67', total: '1658.25', last: '2024-01-09T06:00:00Z' },
        { kind: 'view', n: '67', total: '1675', last: '2024-01-09T07:00:00Z' },
      ],
      row_count: 3,
      truncated: false,
      columns: [
        { name: 'kind', type: 'String' },
        { name: 'n', type: 'UInt64' },
        { name: 'total', type: 'Decimal(38, 2)' },
        { name: 'last', type: "DateTime('UTC')" },
      ],
    });
  });

  it('reads a declared view, whatever it reads itself, and runs comments away', async () => {
    const result = await explore('SELECT /* a comment */ count() AS n FROM public_view -- and another');
    expect(result.isError, text(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ rows: [{ n: '66' }] });
  });

  it("cuts the result at the tool's own max_rows (100), tighter than its source's (500)", async () => {
    const result = await explore('SELECT number FROM numbers(1000)');
    expect(result.isError, text(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ row_count: 100, truncated: true });
  });

  it(`refuses ${HOSTILE.length} hostile texts, each with what is wrong, serving a valid call after each and writing nothing`, async () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(35);
    const before = await snapshot();
    const failures: string[] = [];
    for (const [what, sql, says] of HOSTILE) {
      const result = await explore(sql);
      const code = result._meta?.['mcpc/error_code'];
      if (!result.isError || code !== 'SQL.REFUSED' || !says.test(text(result))) failures.push(`${what}: ${code} ${text(result)}`);
      // No secret value, no name of a table or column it may not read, beyond what the SQL itself wrote.
      const echoed = text(result).replace(/SQL\.REFUSED: |\(request [^)]*\)/g, '');
      expect(echoed).not.toMatch(/hunter2|swordfish|root:|CREATE TABLE (default\.)?(secrets|undeclared|events)|Maybe you meant/);
      if (!/secrets|password/.test(sql)) expect(echoed).not.toMatch(/secrets|password/);
      const after = await explore('SELECT count() AS n FROM events');
      if (after.isError || (after.structuredContent as { rows: Array<{ n: string }> }).rows[0]?.n !== '200')
        failures.push(`${what}: no valid call after it (${text(after)})`);
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it('refuses SQL longer than the tool takes, before it reaches the guard', async () => {
    const result = await explore(`SELECT 1 ${' '.repeat(2000)}`);
    expect(result.isError).toBe(true);
    expect(result._meta?.['mcpc/error_code']).toBe('PARAMS.INVALID');
    expect(text(result)).toMatch(/at most 2000 characters/);
  });

  it('reports a SELECT the engine cannot run as a query failure with its words, and keeps serving', async () => {
    const result = await explore('SELECT no_such_column FROM events');
    expect(result.isError).toBe(true);
    expect(result._meta?.['mcpc/error_code']).toBe('SQL.REFUSED');
    expect(text(result)).toMatch(/no_such_column.*it may read: events, public_view/s);
    const slow = await explore('SELECT sleepEachRow(0.5) FROM numbers(20)');
    expect(slow.isError).toBe(true);
    expect(slow._meta?.['mcpc/error_code']).toMatch(/QUERY\.(TIMEOUT|FAILED)/);
  }, 30_000);
});
