import { createHash } from 'node:crypto';
import type { BucketRule, BucketTake, TokenBuckets } from './buckets.js';
import type { RedisState } from './redis.js';

/**
 * Token buckets in Redis, shared by every replica of the server: one hash per caller and class,
 * refilled and taken from by one Lua script (atomic, on Redis's clock). A bucket expires when it
 * would be full again, so the buckets Redis holds are those that owe tokens, and no bound of the
 * server's own applies (`budgets.max_buckets` bounds the in-memory buckets). A caller's key is
 * hashed: whatever it is made of, a key is short and holds no identity in the clear.
 */
export class RedisBuckets implements TokenBuckets {
  constructor(private readonly redis: RedisState) {}

  async take(rule: BucketRule, caller: string): Promise<BucketTake> {
    const key = this.redis.key('budget', rule.name, createHash('sha256').update(caller).digest('base64url'));
    const [taken, tokens, retryAfterMs] = await this.redis.run('checked the budget', () =>
      this.redis.scripts.mcpcTakeToken(key, rule.capacity, rule.refillPerMs),
    );
    return { ok: taken === 1, tokens: Number(tokens), retryAfterMs };
  }
}
