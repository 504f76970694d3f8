import { type BucketRule, type BucketTake, refilled, takeOne, type TokenBuckets } from './buckets.js';

interface Bucket {
  tokens: number;
  /** `performance.now()` when `tokens` was last brought up to date. */
  at: number;
}

/** Buckets looked at, longest idle first, for one that has refilled completely and can go. */
const EVICTION_SCAN = 16;

/**
 * Token buckets in this process's memory, at most `maxBuckets` per class. A bucket that has
 * refilled to capacity holds nothing a new bucket would not, so it is the one dropped to make
 * room. A bucket that still owes tokens is never dropped: were it dropped, its caller would come
 * back to a full bucket, so a caller could reset its own budget by making the server meet many
 * new identities. When every bucket looked at still owes tokens, a caller without a bucket shares
 * the class's one overflow bucket until room frees up: a flood of new identities then throttles
 * itself, and the callers already known keep their own budgets.
 */
export class MemoryBuckets implements TokenBuckets {
  private readonly classes = new Map<string, ClassBuckets>();

  constructor(private readonly maxBuckets: number) {}

  take(rule: BucketRule, caller: string): BucketTake {
    let buckets = this.classes.get(rule.name);
    if (!buckets) {
      buckets = new ClassBuckets(rule, this.maxBuckets);
      this.classes.set(rule.name, buckets);
    }
    return buckets.take(caller, performance.now());
  }

  /** Buckets held now, over every class (the overflow buckets not counted). */
  get size(): number {
    let size = 0;
    for (const buckets of this.classes.values()) size += buckets.size;
    return size;
  }
}

class ClassBuckets {
  /** In order of last use, the longest idle first (a bucket is moved to the end when used). */
  private readonly buckets = new Map<string, Bucket>();
  private overflow: Bucket | undefined;

  constructor(
    private readonly rule: BucketRule,
    private readonly maxBuckets: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  take(caller: string, now: number): BucketTake {
    const bucket = this.bucketOf(caller, now);
    const taken = takeOne(this.rule, refilled(this.rule, bucket.tokens, bucket.at, now));
    bucket.tokens = taken.tokens;
    bucket.at = now;
    return taken;
  }

  private bucketOf(caller: string, now: number): Bucket {
    const known = this.buckets.get(caller);
    if (known) {
      this.buckets.delete(caller);
      this.buckets.set(caller, known);
      return known;
    }
    if (this.buckets.size >= this.maxBuckets && !this.dropOneFull(now)) {
      this.overflow ??= { tokens: this.rule.capacity, at: now };
      return this.overflow;
    }
    const fresh = { tokens: this.rule.capacity, at: now };
    this.buckets.set(caller, fresh);
    return fresh;
  }

  /** Drops a bucket that has refilled completely, among the longest idle; false when there is none. */
  private dropOneFull(now: number): boolean {
    let looked = 0;
    for (const [caller, bucket] of this.buckets) {
      if (refilled(this.rule, bucket.tokens, bucket.at, now) >= this.rule.capacity) {
        this.buckets.delete(caller);
        return true;
      }
      if (++looked >= EVICTION_SCAN) return false;
    }
    return false;
  }
}
