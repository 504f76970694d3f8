import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../../compiler/diagnostics/suggest.js';

describe('name suggestions', () => {
  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('form', 'from')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests the closest defined name for a typo', () => {
    expect(closestName('sumarize_orders', ['query_orders', 'summarize_orders'])).toBe('summarize_orders');
    expect(didYouMean('sorce', ['source', 'sql'])).toBe(" (did you mean 'source'?)");
  });

  it('suggests nothing when no name is plausibly meant', () => {
    expect(closestName('completely_different', ['query_orders', 'summarize_orders'])).toBeUndefined();
    expect(didYouMean('x', [])).toBe('');
  });

  it('treats a case difference as a near miss', () => {
    expect(closestName('Query_Orders', ['query_orders'])).toBe('query_orders');
  });
});
