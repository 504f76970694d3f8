import { createHash } from 'node:crypto';
import { canonicalJson } from '../contract/canonical-json.js';
import { IDEMPOTENCY_KEY } from '../contract/insert.js';
import type { JsonObject } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';
import type { ToolOutcome, WriteCall, WriteKeys } from '../tools/kind.js';
import type { CallContext } from './context.js';

type Entry =
  | { state: 'running'; fingerprint: string; requestId: string; done: Promise<ToolOutcome | undefined> }
  | { state: 'done'; fingerprint: string; requestId: string; outcome: ToolOutcome; expiresAt: number; bytes: number };

/**
 * The outcome of each write by its idempotency key, scoped to the caller and the tool, in memory:
 * a retry with the same key and arguments gets the first outcome and its request id, and writes
 * nothing; the same key with other arguments is IDEMPOTENCY.CONFLICT; a retry that arrives while
 * the first still runs waits for it. A write that fails is forgotten, so its retry runs again.
 * Outcomes are kept `ttlMs`, at most `maxKeys` of them and `maxBytes` of their text, the oldest
 * forgotten first. The key also reaches ClickHouse (`token`), whose deduplication drops a
 * replayed insert even when this store has forgotten it (a restart, another replica).
 */
export class IdempotencyStore implements WriteKeys {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly limits: { ttlMs: number; maxKeys: number; maxBytes: number }) {}

  async run(call: WriteCall, context: CallContext, work: (token: string) => Promise<ToolOutcome>): Promise<ToolOutcome> {
    const { id, fingerprint, token } = writeIdentity(call);
    for (;;) {
      this.expire();
      const entry = this.entries.get(id);
      if (!entry) break;
      if (entry.fingerprint !== fingerprint) throw keyConflict(call, entry.requestId);
      if (entry.state === 'done') return { ...entry.outcome, requestId: entry.requestId, replayed: true };
      const first = await waitFor(entry.done, context.signal);
      if (first) return { ...first, requestId: entry.requestId, replayed: true };
      // The first call failed and was forgotten: this one writes.
    }
    let finish!: (outcome: ToolOutcome | undefined) => void;
    const done = new Promise<ToolOutcome | undefined>((resolve) => {
      finish = resolve;
    });
    const running: Entry = { state: 'running', fingerprint, requestId: context.requestId, done };
    this.entries.set(id, running);
    try {
      const outcome = await work(token);
      const bytes = outcome.text.length;
      this.entries.delete(id); // re-inserted last: the order of the map is the order of forgetting
      this.entries.set(id, { state: 'done', fingerprint, requestId: context.requestId, outcome, expiresAt: Date.now() + this.limits.ttlMs, bytes });
      this.bytes += bytes;
      this.evict();
      finish(outcome);
      return outcome;
    } catch (error) {
      if (this.entries.get(id) === running) this.entries.delete(id);
      finish(undefined);
      throw error;
    }
  }

  /** Keys remembered now (running or done). */
  get size(): number {
    return this.entries.size;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (entry.state === 'done' && entry.expiresAt <= now) this.forget(id, entry);
    }
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxKeys && this.bytes <= this.limits.maxBytes) return;
      if (entry.state === 'done') this.forget(id, entry);
    }
  }

  private forget(id: string, entry: Entry & { state: 'done' }): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }
}

/**
 * A write's identity, the same in every replica: `id` keys its record (the caller, the tool and
 * the key), `fingerprint` its arguments without the key, and `token` is what ClickHouse
 * deduplicates the insert by.
 */
export function writeIdentity(call: WriteCall): { id: string; fingerprint: string; token: string } {
  const id = digest([call.principal.kind, call.principal.id, call.tool, call.key]);
  const fingerprint = digest(canonicalJson(withoutKey(call.args)));
  return { id, fingerprint, token: digest([id, fingerprint]) };
}

/** The same key sent again with other arguments. */
export function keyConflict(call: WriteCall, firstRequestId: string): ToolFailure {
  return new ToolFailure(
    'IDEMPOTENCY.CONFLICT',
    `idempotency key '${shown(call.key)}' was used by request ${firstRequestId} with other arguments; a new write takes a new key`,
  );
}

/** The first call's outcome, or undefined when it failed; a cancelled wait ends the waiting call. */
async function waitFor(done: Promise<ToolOutcome | undefined>, signal: AbortSignal): Promise<ToolOutcome | undefined> {
  if (signal.aborted) throw cancelled();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([done, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function cancelled(): ToolFailure {
  return new ToolFailure('REQUEST.CANCELLED', 'the request was cancelled while it waited for the first call with its idempotency key');
}

function withoutKey(args: JsonObject): JsonObject {
  const { [IDEMPOTENCY_KEY]: _key, ...rest } = args;
  return rest;
}

function digest(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : JSON.stringify(value))
    .digest('hex');
}

function shown(key: string): string {
  return key.length > 60 ? `${key.slice(0, 60)}…` : key;
}
