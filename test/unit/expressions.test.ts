import { describe, expect, it } from 'vitest';
import { parseArgument, referencesOf } from '../../compiler/analyze/expressions.js';

describe('pipeline expressions', () => {
  it('passes a whole-string reference through as a typed value', () => {
    expect(parseArgument('${params.from}')).toEqual({ ok: true, arg: { kind: 'param', name: 'from' } });
    expect(parseArgument('${steps.raw.rows}')).toEqual({ ok: true, arg: { kind: 'step', step: 'raw', fields: ['rows'] } });
    expect(parseArgument('${steps.raw}')).toEqual({ ok: true, arg: { kind: 'step', step: 'raw', fields: [] } });
  });

  it('joins references inside longer text as text', () => {
    const result = parseArgument('from ${params.from} to ${params.to}');
    expect(result).toEqual({ ok: true, arg: { kind: 'template', parts: ['from ', { kind: 'param', name: 'from' }, ' to ', { kind: 'param', name: 'to' }] } });
  });

  it('reads lists and mappings item by item and keeps pure literals whole', () => {
    expect(parseArgument([1, 'a'])).toEqual({ ok: true, arg: { kind: 'literal', value: [1, 'a'] } });
    const result = parseArgument({ a: '${params.x}', b: 2 });
    expect(result.ok && referencesOf(result.arg)).toEqual([{ kind: 'param', name: 'x' }]);
    expect(parseArgument('cost $${x}')).toEqual({ ok: true, arg: { kind: 'literal', value: 'cost ${x}' } });
  });

  it('rejects what is not a reference', () => {
    for (const bad of ['${env:HOME}', '${params}', '${steps.}', '${ params.x + 1 }', '${params.x']) {
      const result = parseArgument(bad);
      expect(result.ok, bad).toBe(false);
    }
  });
});
