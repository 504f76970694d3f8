import { describe, expect, it } from 'vitest';
import type { StreamKeyColumn } from '../../runtime/contract/spec.js';
import { pageEnd } from '../../runtime/contract/stream.js';

const key: StreamKeyColumn[] = [
  { name: 'day', type: 'Date', descending: false, encoding: 'value' },
  { name: 'n', type: 'UInt8', descending: false, encoding: 'value' },
];
const rows = (...keys: Array<[string, number]>) => keys.map(([day, n], i) => ({ day, n, i }));

describe('where a page may end', () => {
  it('ends where it was cut when the next row has another key, or there is no next row', () => {
    expect(pageEnd(key, rows(['a', 1], ['a', 2], ['b', 1]), 2)).toBe(2);
    expect(pageEnd(key, rows(['a', 1], ['a', 2]), 2)).toBe(2);
  });

  it('ends before the rows of the key the cut would split, comparing every key column', () => {
    expect(pageEnd(key, rows(['a', 1], ['b', 1], ['b', 1], ['b', 1]), 3)).toBe(1);
    expect(pageEnd(key, rows(['a', 1], ['b', 2], ['b', 1], ['b', 1]), 3)).toBe(2);
  });

  it('is 0 when the whole page shares the key of the first row left out', () => {
    expect(pageEnd(key, rows(['a', 1], ['a', 1], ['a', 1]), 2)).toBe(0);
  });
});
