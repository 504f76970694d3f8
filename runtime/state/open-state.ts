import { DEFAULT_MAX_BUCKETS } from '../call/budgets.js';
import { IdempotencyStore } from '../call/idempotency.js';
import { type ConfigEnvironment, resolveConfigText } from '../contract/config-text.js';
import type { ServerLimits } from '../contract/server-limits.js';
import type { ServerSpec } from '../contract/spec.js';
import { shownRedisUrl } from '../contract/state-url.js';
import type { WriteKeys } from '../tools/kind.js';
import type { TokenBuckets } from './buckets.js';
import { MemoryBuckets } from './memory-buckets.js';
import { connectRedis } from './redis.js';
import { RedisBuckets } from './redis-buckets.js';
import { RedisWriteKeys } from './redis-write-keys.js';

/** Text of remembered write outcomes kept at most in memory (a pipeline's outcome holds its result). */
const IDEMPOTENCY_MAX_BYTES = 64 * 1024 * 1024;

/** Where the state that calls share lives: budgets' buckets and the outcomes of keyed writes. */
export interface SharedState {
  readonly buckets: TokenBuckets;
  readonly writeKeys: WriteKeys;
  /** `memory`, or the Redis URL without credentials, for the log line that says what is served. */
  readonly where: string;
  /** Whether calls that need the state can get it now (memory: always). */
  readonly up: boolean;
  close(): Promise<void>;
}

/** State in this process's memory: what a server without `state:` uses. */
export function memoryState(spec: ServerSpec, limits: ServerLimits): SharedState {
  return {
    buckets: new MemoryBuckets(spec.budgets?.maxBuckets ?? DEFAULT_MAX_BUCKETS),
    writeKeys: new IdempotencyStore({ ttlMs: limits.idempotencyTtlS * 1000, maxKeys: limits.idempotencyMaxKeys, maxBytes: IDEMPOTENCY_MAX_BYTES }),
    where: 'memory',
    up: true,
    close: async () => undefined,
  };
}

/** The state `state:` names, opened at start (Redis must answer then), or memory without it. */
export async function openState(spec: ServerSpec, limits: ServerLimits, environment: ConfigEnvironment): Promise<SharedState> {
  if (spec.state === undefined) return memoryState(spec, limits);
  const url = resolveConfigText(spec.state.redis, 'state.redis', environment);
  const redis = await connectRedis(url, spec.name);
  return {
    buckets: new RedisBuckets(redis),
    writeKeys: new RedisWriteKeys(redis, limits.idempotencyTtlS * 1000),
    where: shownRedisUrl(url),
    get up() {
      return redis.up;
    },
    close: () => redis.close(),
  };
}
