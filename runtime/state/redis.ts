import { Redis } from 'ioredis';
import { redisUrlProblem, shownRedisUrl } from '../contract/state-url.js';
import { StartupError, ToolFailure } from '../errors.js';
import { log } from '../log.js';

/** How long the start waits for Redis, and a command for its answer, before either counts as down. */
const CONNECT_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 2_000;
/** What a caller is told to wait when Redis does not answer. */
const RETRY_AFTER_MS = 1_000;
/** Redis 5 replicates a script's effects, so a script may read the server's clock (TIME) and then write. */
const LEAST_MAJOR_VERSION = 5;

/**
 * Refills a bucket for the time gone by (on Redis's clock, the one clock every replica shares)
 * and takes one token, in one atomic step. The bucket expires once it would be full again: an
 * idle bucket holds nothing a new one would not, so Redis keeps only the buckets that owe tokens.
 * KEYS[1]: the bucket; ARGV: capacity, refill per ms. Returns {taken (0|1), tokens left (text), retry after ms}.
 */
const TAKE_TOKEN = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
end
local taken = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
else
  retry = math.max(1, math.ceil((1 - tokens) / rate))
end
local text = string.format('%.17g', tokens)
redis.call('HSET', KEYS[1], 'tokens', text, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1)
return {taken, text, retry}
`;

/**
 * Claims a write's key for one request, or says who holds it. KEYS[1]: the record; ARGV: the
 * fingerprint of the arguments, the request id, the lease (ms) of a running claim. Returns
 * {'claimed'} | {'conflict', request id} | {'done', request id, outcome} | {'running', request id}.
 */
const CLAIM_WRITE = `
local entry = redis.call('HMGET', KEYS[1], 'state', 'fingerprint', 'request', 'outcome')
if not entry[1] then
  redis.call('HSET', KEYS[1], 'state', 'running', 'fingerprint', ARGV[1], 'request', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed'}
end
if entry[2] ~= ARGV[1] then return {'conflict', entry[3]} end
if entry[1] == 'done' then return {'done', entry[3], entry[4]} end
return {'running', entry[3]}
`;

/** Records a claimed write's outcome. KEYS[1]: the record; ARGV: request id, outcome, how long to keep it (ms). Returns 0 when the claim was lost. */
const COMPLETE_WRITE = `
if redis.call('HGET', KEYS[1], 'request') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'outcome', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** Forgets a claimed write that failed, so its retry runs. KEYS[1]: the record; ARGV: request id. */
const RELEASE_WRITE = `
if redis.call('HGET', KEYS[1], 'request') == ARGV[1] and redis.call('HGET', KEYS[1], 'state') == 'running' then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Extends the lease of a claim still running. KEYS[1]: the record; ARGV: request id, lease (ms). */
const RENEW_WRITE = `
if redis.call('HGET', KEYS[1], 'request') == ARGV[1] and redis.call('HGET', KEYS[1], 'state') == 'running' then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

type Reply<T> = Promise<T>;

/** The scripts, as ioredis runs them (EVALSHA, loading a script again when Redis lost it). */
interface Scripts {
  mcpcTakeToken(key: string, capacity: number, refillPerMs: number): Reply<[number, string, number]>;
  mcpcClaimWrite(key: string, fingerprint: string, requestId: string, leaseMs: number): Reply<string[]>;
  mcpcCompleteWrite(key: string, requestId: string, outcome: string, ttlMs: number): Reply<number>;
  mcpcReleaseWrite(key: string, requestId: string): Reply<number>;
  mcpcRenewWrite(key: string, requestId: string, leaseMs: number): Reply<number>;
}

/** A connection to the Redis of `state.redis`, with mcpc's scripts, and keys under the server's prefix. */
export interface RedisState {
  readonly scripts: Scripts;
  /** `mcpc:<server>:<kind>:`: replicas of one server share keys; other servers on the same Redis do not. */
  key(kind: 'budget' | 'write', ...parts: string[]): string;
  /** Runs a command, a failure of Redis becoming STATE.UNAVAILABLE (the caller's call fails, closed). */
  run<T>(what: string, command: () => Promise<T>): Promise<T>;
  /** Whether the connection is up now (the client reconnects by itself when it is not). */
  readonly up: boolean;
  close(): Promise<void>;
}

/**
 * Connects to Redis at start: a URL that is not one, a server that does not answer, or one too old
 * for the scripts stops the start with a message that says which (never the password). Once
 * running, an outage fails the calls that need Redis at once (no queue of commands that would
 * answer late) while the client reconnects in the background; the log says when it went away and
 * when it is back.
 */
export async function connectRedis(url: string, serverName: string): Promise<RedisState> {
  const shown = shownRedisUrl(url);
  const problem = redisUrlProblem(url);
  if (problem.kind === 'invalid') throw new StartupError(problem.message);
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastError: Error | undefined;
  let started = false;
  let closing = false;
  let down = false;
  const wentAway = (why: string) => {
    if (!started || closing || down) return;
    down = true;
    log.error('the state store (Redis) is unreachable; calls that need it fail until it is back', { redis: shown, error: why });
  };
  redis.on('error', (error: Error) => {
    lastError = error;
    wentAway(error.message);
  });
  // A server that stops cleanly closes the connection without an error.
  redis.on('close', () => wentAway('the connection closed'));
  redis.on('ready', () => {
    if (down) log.info('the state store (Redis) is back', { redis: shown });
    down = false;
  });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '0';
    if (Number(version.split('.')[0]) < LEAST_MAJOR_VERSION) {
      throw new StartupError(`state.redis: ${shown} runs Redis ${version}; mcpc needs Redis ${LEAST_MAJOR_VERSION} or later`);
    }
  } catch (error) {
    redis.disconnect();
    if (error instanceof StartupError) throw error;
    const why = lastError?.message ?? (error as Error).message;
    throw new StartupError(`state.redis: cannot reach Redis at ${shown} (${why}); budgets and idempotency records live there`);
  }
  started = true;
  redis.defineCommand('mcpcTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
  redis.defineCommand('mcpcClaimWrite', { numberOfKeys: 1, lua: CLAIM_WRITE });
  redis.defineCommand('mcpcCompleteWrite', { numberOfKeys: 1, lua: COMPLETE_WRITE });
  redis.defineCommand('mcpcReleaseWrite', { numberOfKeys: 1, lua: RELEASE_WRITE });
  redis.defineCommand('mcpcRenewWrite', { numberOfKeys: 1, lua: RENEW_WRITE });
  const prefix = `mcpc:${serverName}:`;
  return {
    scripts: redis as unknown as Scripts,
    key: (kind, ...parts) => `${prefix}${kind}:${parts.join(':')}`,
    async run(what, command) {
      try {
        return await command();
      } catch (error) {
        throw new ToolFailure('STATE.UNAVAILABLE', `the server's shared state (Redis) did not answer while it ${what}; retry after ${RETRY_AFTER_MS} ms`, {
          cause: error,
          retryAfterMs: RETRY_AFTER_MS,
        });
      }
    },
    get up() {
      return redis.status === 'ready';
    },
    async close() {
      closing = true;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
