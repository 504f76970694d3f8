import type { Runtime } from '../runtime.js';

/** Which lists a change touched: each is announced to connected clients with its own `list_changed`. */
export interface ListChange {
  tools: boolean;
  resources: boolean;
}

/**
 * The runtime that serves now. A request takes `current` once, when it starts, and keeps it to
 * the end, so a call in flight when a new build is swapped in finishes on the runtime it began
 * on, and the next request meets the new one. Transports subscribe to `onChange` to tell their
 * clients that a list changed (a new build, or a table pattern that found tables appear or go).
 */
export class LiveRuntime {
  private readonly listeners = new Set<(change: ListChange) => void>();

  constructor(private runtime: Runtime) {}

  get current(): Runtime {
    return this.runtime;
  }

  /** Serves `next` from the next request on; the old runtime's timers stop, `next`'s start. */
  swap(next: Runtime, change: ListChange): void {
    const old = this.runtime;
    old.drift.stop();
    old.discovery.stop();
    this.runtime = next;
    this.startTimers(next);
    this.announce(change);
  }

  /** Starts the timers of the first runtime. */
  start(): void {
    this.startTimers(this.runtime);
  }

  private startTimers(runtime: Runtime): void {
    runtime.drift.start(runtime.spec.driftCheckS ?? DEFAULT_DRIFT_CHECK_S);
    // A look that ends after its runtime was swapped out announces nothing: its tables are not listed.
    runtime.discovery.start(() => {
      if (this.runtime === runtime) this.announce({ tools: false, resources: true });
    });
  }

  stop(): void {
    this.runtime.drift.stop();
    this.runtime.discovery.stop();
  }

  onChange(listener: (change: ListChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announce(change: ListChange): void {
    if (!change.tools && !change.resources) return;
    for (const listener of this.listeners) listener(change);
  }
}

/** Seconds between schema drift checks when `server.drift_check_s` does not say. */
const DEFAULT_DRIFT_CHECK_S = 300;
