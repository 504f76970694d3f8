import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientOf } from '../../runtime/call/budgets.js';
import { redisUrlProblem, shownRedisUrl } from '../../runtime/contract/state-url.js';
import type { BucketRule } from '../../runtime/state/buckets.js';
import { MemoryBuckets } from '../../runtime/state/memory-buckets.js';

/** 10 calls a second: a token every 100 ms. The clock is driven by the test, so nothing depends on timing. */
const RULE: BucketRule = { name: 'c', capacity: 10, refillPerMs: 10 / 1000 };
let now = 1_000_000;
afterEach(() => vi.restoreAllMocks());
function clock(): void {
  now = 1_000_000;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
}
const drain = (buckets: MemoryBuckets, caller: string, calls: number) => Array.from({ length: calls }, () => buckets.take(RULE, caller));

describe('token buckets in memory', () => {
  it('gives a caller its capacity at once, then refills it evenly, with the wait for the next token', () => {
    clock();
    const buckets = new MemoryBuckets(100);
    const takes = drain(buckets, 'a', 11);
    expect(takes.slice(0, 10).every((t) => t.ok)).toBe(true);
    expect(takes[9]!.tokens).toBe(0);
    expect(takes[10]).toEqual({ ok: false, tokens: 0, retryAfterMs: 100 });
    now += 250;
    expect(buckets.take(RULE, 'a')).toMatchObject({ ok: true, tokens: 1.5 });
    now += 10_000;
    expect(buckets.take(RULE, 'a').tokens).toBe(9);
  });

  it('at its bound, drops a bucket that has refilled completely to make room for a new caller', () => {
    clock();
    const buckets = new MemoryBuckets(2);
    drain(buckets, 'a', 10);
    drain(buckets, 'b', 1);
    now += 200; // b is full again (it owed one token); a still owes 8
    expect(buckets.take(RULE, 'c')).toMatchObject({ ok: true, tokens: 9 });
    expect(buckets.size).toBe(2);
    // a kept its bucket: it owes what it owed.
    expect(buckets.take(RULE, 'a')).toMatchObject({ ok: true, tokens: 1 });
  });

  it('never drops a bucket that owes tokens: a flood of new identities shares one overflow bucket, and cannot reset a drained caller', () => {
    clock();
    const buckets = new MemoryBuckets(3);
    drain(buckets, 'drained', 10);
    drain(buckets, 'x', 5);
    drain(buckets, 'y', 5);
    const flood = Array.from({ length: 50 }, (_, i) => buckets.take(RULE, `new-${i}`));
    // The newcomers took from one shared bucket of capacity 10: the rest were refused.
    expect(flood.filter((t) => t.ok)).toHaveLength(10);
    expect(buckets.size).toBe(3);
    expect(buckets.take(RULE, 'drained').ok).toBe(false);
    // Once a known bucket is full again, a newcomer gets a bucket of its own.
    now += 1_000;
    expect(buckets.take(RULE, 'new-99')).toMatchObject({ ok: true, tokens: 9 });
  });

  it('keeps the classes apart', () => {
    clock();
    const buckets = new MemoryBuckets(10);
    drain(buckets, 'a', 10);
    expect(buckets.take({ ...RULE, name: 'other' }, 'a')).toMatchObject({ ok: true, tokens: 9 });
  });
});

describe('anonymous callers by a header', () => {
  const spec = { classes: {}, anonymousKey: { header: 'x-forwarded-for' } };
  it('takes the last entry of the header, the one the nearest proxy wrote', () => {
    expect(clientOf(spec, { 'x-forwarded-for': '203.0.113.9, 10.0.0.7' }, '127.0.0.1')).toBe('10.0.0.7');
    expect(clientOf(spec, { 'x-forwarded-for': ' 10.0.0.8 ' }, '127.0.0.1')).toBe('10.0.0.8');
  });
  it('falls back to the connection address without the header, or when budgets do not name one', () => {
    expect(clientOf(spec, {}, '127.0.0.1')).toBe('127.0.0.1');
    expect(clientOf(spec, { 'x-forwarded-for': '' }, '127.0.0.1')).toBe('127.0.0.1');
    expect(clientOf({ classes: {} }, { 'x-forwarded-for': '10.0.0.1' }, '127.0.0.1')).toBe('127.0.0.1');
    expect(clientOf(undefined, {}, '::1')).toBe('::1');
  });
});

describe('state.redis URLs', () => {
  it('accepts redis:// and rediss:// with a host, a port and a database number', () => {
    expect(redisUrlProblem('redis://localhost:6379/0')).toEqual({ kind: 'none' });
    expect(redisUrlProblem('rediss://cache.internal')).toEqual({ kind: 'none' });
  });
  it('says what is wrong with one it refuses, and tells a password apart', () => {
    expect(redisUrlProblem('localhost:6379')).toMatchObject({ kind: 'invalid' });
    expect(redisUrlProblem('not a url')).toEqual({ kind: 'invalid', message: 'state.redis is not a URL' });
    expect(redisUrlProblem('redis://host/cache')).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/database number/) });
    expect(redisUrlProblem('redis://:secret@host:6379')).toEqual({ kind: 'password' });
  });
  it('shows a URL without its user or password', () => {
    expect(shownRedisUrl('redis://admin:secret@host:6380/2')).toBe('redis://host:6380/2');
  });
});
