import { describe, expect, it } from 'vitest';
import { parseStructureText, parseTypeText, type TypeArg, TypeTextError } from '../../runtime/contract/clickhouse-type-text.js';

const args = (text: string): TypeArg[] => [...parseTypeText(text).args];

describe('ClickHouse type texts', () => {
  it('reads names, nested arguments and the text of each', () => {
    const map = parseTypeText('  Map(String, Array(Nullable(UInt8)))  ');
    expect(map.name).toBe('Map');
    expect(map.text).toBe('Map(String, Array(Nullable(UInt8)))');
    expect(map.args.map((a) => a.text)).toEqual(['String', 'Array(Nullable(UInt8))']);
    const array = map.args[1]!;
    expect(array.kind === 'type' && array.type.args[0]?.kind === 'type' && array.type.args[0].type.args[0]).toMatchObject({ kind: 'type', text: 'UInt8' });
    expect(parseTypeText('UInt64')).toEqual({ name: 'UInt64', args: [], text: 'UInt64' });
  });

  it('reads numbers and strings', () => {
    expect(args("DateTime64(3, 'Asia/Kolkata')")).toEqual([
      { kind: 'number', value: '3', text: '3' },
      { kind: 'string', value: 'Asia/Kolkata', text: "'Asia/Kolkata'" },
    ]);
    expect(args('Decimal(12, 2)').map((a) => a.kind)).toEqual(['number', 'number']);
  });

  it('reads enum names with the escapes the engine writes, and negative values', () => {
    // As toTypeName writes them: backslash, quote, newline, tab, an empty name, non-ASCII.
    const text = "Enum8('a' = -128, 'b\\\\c' = 0, 'q\\'r' = 1, 'nl\\nx' = 2, 'tab\\tx' = 3, '' = 4, 'é😀' = 5, 'd''q' = 6, '\\xC3\\xA9' = 7, '=,()' = 8)";
    expect(args(text).map((a) => (a.kind === 'enum' ? [a.name, a.value] : a.kind))).toEqual([
      ['a', '-128'],
      ['b\\c', '0'],
      ["q'r", '1'],
      ['nl\nx', '2'],
      ['tab\tx', '3'],
      ['', '4'],
      ['é😀', '5'],
      ["d'q", '6'],
      ['é', '7'],
      ['=,()', '8'],
    ]);
  });

  it('reads named elements, quoted names and the multi-line form DESCRIBE writes', () => {
    const tuple = parseTypeText('Tuple(\n    `a b` UInt8,\n    `c\\`d` Nullable(String),\n    "e f" Array(Date),\n    `g``h` Int8,\n    plain Tuple(x UInt8))');
    expect(tuple.args.map((a) => (a.kind === 'named' ? [a.name, a.type.text] : a.kind))).toEqual([
      ['a b', 'UInt8'],
      ['c`d', 'Nullable(String)'],
      ['e f', 'Array(Date)'],
      ['g`h', 'Int8'],
      ['plain', 'Tuple(x UInt8)'],
    ]);
    expect(args('Tuple(UInt8, String)').map((a) => a.kind)).toEqual(['type', 'type']);
    expect(args('Tuple()')).toEqual([]);
  });

  it('keeps arguments that are neither types nor literals as text', () => {
    expect(args('AggregateFunction(quantiles(0.5, 0.9), UInt64)').map((a) => a.text)).toEqual(['quantiles(0.5, 0.9)', 'UInt64']);
    // Read by shape alone: `SKIP c` reads like an element named SKIP of a type c; JSON is not mapped either way.
    expect(args('JSON(a.b UInt32, SKIP c, max_dynamic_paths = 10)').map((a) => [a.kind, a.text])).toEqual([
      ['other', 'a.b UInt32'],
      ['named', 'SKIP c'],
      ['other', 'max_dynamic_paths = 10'],
    ]);
  });

  it('refuses texts that are not one type', () => {
    for (const text of [
      'Nullable(Date',
      'Array(UInt8))',
      "Enum8('a = 1)",
      'Tuple(a UInt8,)',
      'Map(, String)',
      '',
      '(UInt8)',
      'UInt8 UInt16',
      "'UInt8'",
      'Array(`a UInt8)',
    ]) {
      expect(() => parseTypeText(text), text).toThrow(TypeTextError);
    }
  });

  it('reads a format() structure as named columns', () => {
    const columns = parseStructureText("created DateTime, `the amount` Decimal(12, 2), tags Array(Enum8('x,y' = 1))");
    expect(columns.map((c) => [c.name, c.type.text])).toEqual([
      ['created', 'DateTime'],
      ['the amount', 'Decimal(12, 2)'],
      ['tags', "Array(Enum8('x,y' = 1))"],
    ]);
    expect(() => parseStructureText('UInt8')).toThrow(/not a column/);
    expect(() => parseStructureText('')).toThrow(/at least one column/);
  });
});
