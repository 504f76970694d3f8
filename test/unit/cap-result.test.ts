import { describe, expect, it } from 'vitest';
import { capResult } from '../../runtime/tools/query.js';
import { sanitize } from '../../runtime/tools/query-errors.js';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `row-${i}` }));

describe('result caps', () => {
  it('keeps a result within the caps whole and says it is complete', () => {
    const { result, text } = capResult(rows(3), 10, 1_000_000);
    expect(result).toEqual({ rows: rows(3), row_count: 3, truncated: false });
    expect(JSON.parse(text)).toEqual(result);
  });

  it('cuts to max_rows and says truncated', () => {
    const { result } = capResult(rows(11), 10, 1_000_000);
    expect(result.row_count).toBe(10);
    expect(result.truncated).toBe(true);
  });

  it('cuts to max_bytes of JSON, never above it, and says truncated', () => {
    for (const maxBytes of [60, 200, 1000, 1234]) {
      const { result, text } = capResult(rows(500), 10_000, maxBytes);
      expect(result.truncated).toBe(true);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes);
      expect(JSON.parse(text)).toEqual(result);
      // One more row would not have fit.
      const next = JSON.stringify({ rows: rows(result.row_count + 1), row_count: result.row_count + 1, truncated: true });
      expect(Buffer.byteLength(next)).toBeGreaterThan(maxBytes);
    }
  });

  it('counts bytes, not characters, for non-ASCII text', () => {
    const wide = Array.from({ length: 100 }, () => ({ name: 'ü'.repeat(10) }));
    const { text } = capResult(wide, 1000, 300);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(300);
  });
});

describe('ClickHouse error messages shown to callers', () => {
  it('drops the code prefix, the echoed query and the exception type', () => {
    expect(sanitize("Code: 60. DB::Exception: Unknown table expression identifier 'nope' in scope SELECT * FROM nope WHERE pw = 'x'. (UNKNOWN_TABLE)")).toBe(
      "Unknown table expression identifier 'nope'",
    );
    expect(sanitize('Code: 43. DB::Exception: Illegal type: While processing lower(42) AS x. (ILLEGAL_TYPE_OF_ARGUMENT)')).toBe('Illegal type');
    expect(
      sanitize('Code: 47. DB::Exception: Missing columns: x: In scope SELECT x FROM secret_table WHERE token = 1. (UNKNOWN_IDENTIFIER) (version 26.7)'),
    ).toBe('Missing columns: x');
  });

  it('caps long messages and keeps only the first line', () => {
    expect(sanitize(`boom ${'x'.repeat(1000)}\nstack`).length).toBeLessThanOrEqual(300);
    expect(sanitize('first\nsecond')).toBe('first');
  });
});
