// TEST DOUBLE, NEVER SHIPPED: the chDB side of the ClickHouse HTTP front (clickhouse-front.ts):
// the native calls it makes, the one-at-a-time start of parameterized queries, and its sessions.

/** The parts of chDB's native addon the front uses: raw parameter text goes to the engine's binder as the HTTP interface sends it. */
export interface ChdbNative {
  QueryAsyncConnection(connection: unknown, sql: string, format: string, params?: Record<string, string>): Promise<NativeResult>;
  StreamQuery(connection: unknown, sql: string, format: string, params?: Record<string, string>): unknown;
  StreamFetch(handle: unknown): Promise<{ done: boolean; bytes: Uint8Array; numRows: number }>;
  StreamCancel(handle: unknown): void;
}

interface NativeResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}

export interface ChdbSession {
  connection: unknown;
  query(sql: string, format?: string): string;
  close(): void;
}

/** Sessions kept open at most: one per running query, plus idle ones by their settings. */
const MAX_SESSIONS = 32;

/**
 * chDB's binder keeps query parameters in state shared by every connection of the process:
 * two parameterized queries at once clobber each other's values (chdb/index.js says so, and
 * chains its own). Parameterized starts run one at a time here too; other queries run at once.
 */
export class ParamChain {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(exclusive: boolean, start: () => Promise<T>): Promise<T> {
    if (!exclusive) return start();
    const next = this.tail.then(start);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * Engine sessions by the database and settings they were prepared with (chDB keeps a setting
 * on the session it was set on, and readonly cannot be lowered again), reused when idle.
 */
export class SessionPool {
  private readonly idle = new Map<string, ChdbSession[]>();
  private count = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly open: () => ChdbSession) {}

  async acquire(key: string, prepare: (session: ChdbSession) => void): Promise<ChdbSession> {
    for (;;) {
      const ready = this.idle.get(key)?.pop();
      if (ready) return ready;
      if (this.count >= MAX_SESSIONS) this.evictOne();
      if (this.count < MAX_SESSIONS) break;
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
    this.count++;
    const session = this.open();
    try {
      prepare(session);
    } catch (error) {
      this.count--;
      session.close();
      throw error;
    }
    return session;
  }

  release(key: string, session: ChdbSession): void {
    const list = this.idle.get(key) ?? [];
    // Most recently used keys last, so eviction takes the oldest.
    this.idle.delete(key);
    this.idle.set(key, [...list, session]);
    this.waiting.shift()?.();
  }

  closeAll(): void {
    for (const list of this.idle.values()) for (const session of list) session.close();
    this.idle.clear();
  }

  private evictOne(): void {
    for (const [key, list] of this.idle) {
      const session = list.shift();
      if (list.length === 0) this.idle.delete(key);
      if (session) {
        session.close();
        this.count--;
        return;
      }
    }
  }
}
