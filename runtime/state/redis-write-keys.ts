import type { CallContext } from '../call/context.js';
import { cancelled, keyConflict, writeIdentity } from '../call/idempotency.js';
import type { JsonObject } from '../contract/spec.js';
import { log } from '../log.js';
import type { ToolOutcome, WriteCall, WriteKeys } from '../tools/kind.js';
import type { RedisState } from './redis.js';

/** How long a claim holds without renewal: a replica that dies mid-write frees its key this long after. */
const LEASE_MS = 30_000;
/** A running claim is renewed this often, so a write may run as long as it must. */
const RENEW_EVERY_MS = 10_000;
/** Polling for the outcome of a write another replica runs: first wait, and the longest. */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 500;

/**
 * The outcomes of writes by idempotency key, in Redis, shared by every replica: the rules of the
 * in-memory store (runtime/call/idempotency.ts), held across processes. A write is claimed by one
 * atomic script before it runs, so of two replicas given the same key at once, one writes and the
 * other waits for its outcome (polling) and answers it as a replay; the same key with other
 * arguments is IDEMPOTENCY.CONFLICT; a write that fails is forgotten, so its retry runs. A claim
 * is a lease renewed while the write runs: a replica that dies mid-write frees the key after
 * `LEASE_MS`, and the token ClickHouse deduplicates by drops the replayed insert should the first
 * have landed. Redis unreachable: the write is refused (STATE.UNAVAILABLE), never run unkeyed.
 */
export class RedisWriteKeys implements WriteKeys {
  constructor(
    private readonly redis: RedisState,
    private readonly ttlMs: number,
  ) {}

  async run(call: WriteCall, context: CallContext, work: (token: string) => Promise<ToolOutcome>): Promise<ToolOutcome> {
    const { id, fingerprint, token } = writeIdentity(call);
    const key = this.redis.key('write', id);
    const { requestId } = context;
    let pollMs = POLL_FIRST_MS;
    for (;;) {
      const [state, holder, outcome] = await this.redis.run('checked the idempotency key', () =>
        this.redis.scripts.mcpcClaimWrite(key, fingerprint, requestId, LEASE_MS),
      );
      // A claim sent again after a lost connection finds this request's own claim: it is ours.
      if (state === 'claimed' || (state === 'running' && holder === requestId)) break;
      if (state === 'conflict') throw keyConflict(call, holder ?? 'another request');
      if (state === 'done') return { ...(JSON.parse(outcome!) as StoredOutcome), requestId: holder!, replayed: true };
      await pause(pollMs, context.signal);
      pollMs = Math.min(POLL_MAX_MS, pollMs * 2);
    }
    const renewal = setInterval(() => {
      this.redis.scripts.mcpcRenewWrite(key, requestId, LEASE_MS).catch((error: unknown) => {
        log.warn('could not renew the claim of a running write in Redis', { request_id: requestId, error: (error as Error).message });
      });
    }, RENEW_EVERY_MS);
    let outcome: ToolOutcome;
    try {
      outcome = await work(token);
    } catch (error) {
      clearInterval(renewal);
      await this.redis.scripts.mcpcReleaseWrite(key, requestId).catch((releaseError: unknown) => {
        // The lease runs out by itself: a retry after it runs the write again, deduplicated by its token.
        log.warn('could not release the claim of a failed write in Redis', { request_id: requestId, error: (releaseError as Error).message });
      });
      throw error;
    }
    clearInterval(renewal);
    const stored: StoredOutcome = { structured: outcome.structured, text: outcome.text, ...(outcome.logFields ? { logFields: outcome.logFields } : {}) };
    const recorded = await this.redis.scripts.mcpcCompleteWrite(key, requestId, JSON.stringify(stored), this.ttlMs).catch((error: unknown) => {
      log.warn('could not record the outcome of a write in Redis', { request_id: requestId, error: (error as Error).message });
      return 0;
    });
    // The write is done either way: its caller hears so. A retry after the lease meets ClickHouse's deduplication.
    if (recorded === 0) log.warn('the outcome of a write was not recorded in Redis (its claim had lapsed)', { request_id: requestId });
    return outcome;
  }
}

/** What Redis keeps of an outcome: what a replay answers with. */
interface StoredOutcome {
  structured: JsonObject;
  text: string;
  logFields?: Record<string, unknown>;
}

/** Waits `ms`, or rejects with REQUEST.CANCELLED when the caller goes away first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
