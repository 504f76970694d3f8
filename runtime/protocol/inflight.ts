/**
 * Tool calls in flight, by who asked and their JSON-RPC id, so that a `notifications/cancelled`
 * reaches its call wherever it arrives. Over stateless HTTP (2025-era clients) the cancellation
 * comes in a request of its own, served by another server instance than the call it cancels; a
 * caller can only cancel its own calls (same principal, same client address, same id).
 */
export class InflightCalls {
  private readonly calls = new Map<string, AbortController>();
  private idleWaiters: Array<() => void> = [];

  /** Registers a call; `end` must be called when it is answered. */
  begin(key: string): { signal: AbortSignal; end(): void } {
    const controller = new AbortController();
    this.calls.set(key, controller);
    return {
      signal: controller.signal,
      end: () => {
        if (this.calls.get(key) === controller) this.calls.delete(key);
        if (this.calls.size === 0) for (const idle of this.idleWaiters.splice(0)) idle();
      },
    };
  }

  /** Calls in flight now. */
  get size(): number {
    return this.calls.size;
  }

  /** Resolves when no call is in flight (at once if none is). */
  whenIdle(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((idle) => this.idleWaiters.push(idle));
  }

  /** Cancels every call in flight (shutdown past its deadline): each answers REQUEST.CANCELLED. */
  cancelAll(reason: string): void {
    for (const controller of this.calls.values()) controller.abort(new Error(reason));
  }

  /** Cancels the call with this key, if it is still in flight. */
  cancel(key: string, reason: string): void {
    this.calls.get(key)?.abort(new Error(reason));
  }
}

/** The key of one caller's call: who (principal and where from) and the request's JSON-RPC id. */
export function callKey(principalId: string, client: string, requestId: unknown): string {
  return JSON.stringify([principalId, client, requestId]);
}
