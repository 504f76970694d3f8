import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../runtime/contract/sql-text.js';

const texts = (sql: string) => splitStatements(sql).map((s) => s.text);

describe('splitting SQL into statements', () => {
  it('splits at semicolons in code only, never in quotes, heredocs or any comment form', () => {
    const sql = [
      "INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`, 'it''s;', 'esc \\'; still');",
      'SELECT $$ x; y $$, $tag$ ; $tag$;',
      '-- a comment; with a semicolon',
      '# another; one',
      '// and; another',
      '/* outer /* inner; */ still; comment */ SELECT 2;',
    ].join('\n');
    expect(texts(sql)).toEqual(["INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`, 'it''s;', 'esc \\'; still')", 'SELECT $$ x; y $$, $tag$ ; $tag$', 'SELECT 2']);
  });

  it('gives the line of each statement’s first code character, past leading comments and blank lines', () => {
    const sql = '-- seed\n\nCREATE TABLE t (a UInt8)\nENGINE = Memory;\n\n/* rows\n */ INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2)';
    expect(splitStatements(sql).map((s) => [s.line, s.text.split('\n')[0]])).toEqual([
      [3, 'CREATE TABLE t (a UInt8)'],
      [7, 'INSERT INTO t VALUES (1)'],
      [8, 'INSERT INTO t VALUES (2)'],
    ]);
  });

  it('finds no statement in whitespace, comments and empty statements', () => {
    expect(texts('')).toEqual([]);
    expect(texts(' ;\n; -- only a comment\n/* and; this */ ;')).toEqual([]);
  });

  it('starts a statement at a literal, and keeps comments inside one', () => {
    expect(splitStatements("\n'text' -- not a statement anyone writes\n;")).toEqual([{ text: "'text' -- not a statement anyone writes", offset: 1, line: 2 }]);
  });
});
