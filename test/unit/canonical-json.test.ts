import { describe, expect, it } from 'vitest';
import { compileArgsValidator, createArgsAjv } from '../../runtime/contract/args.js';
import { canonicalJson } from '../../runtime/contract/canonical-json.js';

/** The first implementation, kept as the reference the faster one must match byte for byte (manifests hash it). */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonical JSON', () => {
  it('writes equal values as equal text, whatever the order their keys were built in', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: null, y: 'x' }], c: true } })).toBe('{"a":{"c":true,"d":[1,{"y":"x","z":null}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[,1]}');
  });

  it('matches the reference on rows whose keys come in the same order, in another order, or are other keys', () => {
    const rows: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      rows.push(
        i % 7 === 3
          ? { kind: i, id: String(i), é: [{ b: 1, a: 2 }], '10': 'x', '9': null }
          : i % 5 === 1
            ? { created: '2024-01-01T00:00:00Z', amount: i / 3, id: i, kind: undefined }
            : { id: i, kind: i % 3, amount: i / 7, created: '2024-01-01 00:00:00', nested: { z: [i], a: {} } },
      );
    }
    expect(canonicalJson({ rows, idempotency_key: 'k' })).toBe(reference({ rows, idempotency_key: 'k' }));
    for (const value of [null, 0, -0, 'text', [], {}, [[[]]], [1, undefined, 3], new Date(0), { s: 'q"\n\u2028' }]) {
      expect(canonicalJson(value), JSON.stringify(value)).toBe(reference(value));
    }
  });
});

describe('date-time bounds', () => {
  it('compares each value with the bounds of its own schema when several schemas and values interleave', () => {
    const ajv = createArgsAjv();
    const narrow = compileArgsValidator(ajv, {
      type: 'object',
      properties: { t: { type: 'string', format: 'date-time', formatMinimum: '2024-01-01T00:00:00Z', formatMaximum: '2024-12-31T23:59:59Z' } },
    });
    const wide = compileArgsValidator(ajv, {
      type: 'object',
      properties: { t: { type: 'string', format: 'date-time', formatMinimum: '1970-01-01T00:00:00Z', formatMaximum: '2106-02-07T06:28:15Z' } },
    });
    for (let i = 0; i < 3; i++) {
      expect(narrow({ t: '2024-06-01T00:00:00Z' })).toBeUndefined();
      expect(wide({ t: '2024-06-01T00:00:00Z' })).toBeUndefined();
      expect(narrow({ t: '2023-06-01T00:00:00Z' })).toBeDefined();
      expect(wide({ t: '2023-06-01T00:00:00Z' })).toBeUndefined();
      expect(wide({ t: '1969-12-31T23:59:59Z' })).toBeDefined();
      expect(narrow({ t: '2025-01-01T00:00:00+01:00' })).toBeUndefined();
      expect(narrow({ t: '2025-01-01T00:00:00Z' })).toBeDefined();
    }
  });
});
