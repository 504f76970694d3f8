import { describe, expect, it } from 'vitest';
import { findPlaceholders } from '../../compiler/analyze/sql-placeholders.js';

const names = (sql: string) => findPlaceholders(sql).map((p) => `${p.name}:${p.type}`);

describe('SQL placeholders', () => {
  it('finds placeholders with simple and nested types', () => {
    expect(names('SELECT * FROM t WHERE d BETWEEN {from:Date} AND { to : Date } LIMIT {n:UInt32}')).toEqual(['from:Date', 'to:Date', 'n:UInt32']);
    expect(names("SELECT {ids:Array(Nullable(UInt64))}, {m:Map(String, Array(UInt8))}, {e:Enum8('a}' = 1, 'b' = 2)}")).toEqual([
      'ids:Array(Nullable(UInt64))',
      'm:Map(String, Array(UInt8))',
      "e:Enum8('a}' = 1, 'b' = 2)",
    ]);
  });

  it('ignores placeholder-like text in strings, identifiers and every comment form', () => {
    const sql = [
      "SELECT '{a:String}', \"{b:String}\", `{c:String}`, 'it''s {d:String}', 'esc \\' {e:String}'",
      '-- {f:String}',
      '# {g:String}',
      '// {h:String}',
      '/* outer /* {i:String} */ still comment {j:String} */',
      '$$ {k:String} $$, $tag$ {l:String} $tag$',
      'FROM t WHERE x = {real:UInt8}',
    ].join('\n');
    expect(names(sql)).toEqual(['real:UInt8']);
  });

  it('reports offsets and the raw text of each placeholder', () => {
    const [placeholder] = findPlaceholders('SELECT {x:UInt8}');
    expect(placeholder).toEqual({ name: 'x', type: 'UInt8', raw: '{x:UInt8}', offset: 7 });
  });

  it('does not take a map literal or a brace in text for a placeholder', () => {
    expect(names("SELECT {'a': 1}, map('k', 1) AS m, '{x:UInt8'")).toEqual([]);
  });
});
