/** One budget class as a token bucket: `capacity` tokens, refilled evenly at `refillPerMs`. */
export interface BucketRule {
  /** The class's name: buckets of different classes never mix. */
  readonly name: string;
  readonly capacity: number;
  readonly refillPerMs: number;
}

/** What taking one token answered: whether there was one, what is left, and when the next one comes. */
export interface BucketTake {
  readonly ok: boolean;
  /** Tokens left after this take (fractional: the bucket refills continuously). */
  readonly tokens: number;
  /** When refused: milliseconds until a token is back. */
  readonly retryAfterMs: number;
}

/**
 * Token buckets per caller and class, in memory or shared by replicas (runtime/state/). `take`
 * refills the caller's bucket for the time gone by and takes one token, as one atomic step.
 */
export interface TokenBuckets {
  take(rule: BucketRule, caller: string): BucketTake | Promise<BucketTake>;
}

/** The tokens of a bucket left at `tokens` at `at`, refilled up to `now`. */
export function refilled(rule: BucketRule, tokens: number, at: number, now: number): number {
  return Math.min(rule.capacity, tokens + Math.max(0, now - at) * rule.refillPerMs);
}

/** Takes one token from a bucket holding `tokens`: the answer, and the tokens left. */
export function takeOne(rule: BucketRule, tokens: number): BucketTake {
  if (tokens >= 1) return { ok: true, tokens: tokens - 1, retryAfterMs: 0 };
  return { ok: false, tokens, retryAfterMs: Math.max(1, Math.ceil((1 - tokens) / rule.refillPerMs)) };
}
