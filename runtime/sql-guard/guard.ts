import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SqlCatalogSpec } from '../contract/spec.js';
import { log } from '../log.js';
import type { SqlPolicy, SqlVerdict } from './check.js';
import type { GuardReply, GuardRequest } from './worker.js';

/** Longest a check may take before the call is refused (the guard's engine answers in milliseconds). */
const CHECK_TIMEOUT_MS = 15_000;

/**
 * The SQL guard as the server sees it: one process per catalog (runtime/sql-guard/worker.ts),
 * forked at the first check, that answers each check with the canonical text to run or the
 * reason it is refused. The process holds no data and runs nothing of the caller's against the
 * source. When it fails, checks are refused (never let through) and the next one forks it again.
 */
export class SqlGuard {
  private static readonly guards = new Map<string, SqlGuard>();
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (verdict: SqlVerdict) => void>();

  private constructor(private readonly catalog: SqlCatalogSpec) {}

  /** The guard of a catalog, shared by the tools over it. */
  static of(catalog: SqlCatalogSpec): SqlGuard {
    const key = JSON.stringify(catalog);
    let guard = SqlGuard.guards.get(key);
    if (!guard) {
      guard = new SqlGuard(catalog);
      SqlGuard.guards.set(key, guard);
    }
    return guard;
  }

  async check(sql: string, policy: SqlPolicy): Promise<SqlVerdict> {
    try {
      await this.start();
    } catch (error) {
      return { ok: false, message: `the SQL guard could not start, so no SQL can be checked: ${(error as Error).message.split('\n')[0]}` };
    }
    const child = this.child!;
    const id = this.nextId++;
    return new Promise<SqlVerdict>((resolve) => {
      const timer = setTimeout(() => settle({ ok: false, message: 'the SQL guard did not answer in time; try again' }), CHECK_TIMEOUT_MS);
      const settle = (verdict: SqlVerdict) => {
        clearTimeout(timer);
        if (!this.pending.delete(id)) return;
        if (this.pending.size === 0) child.channel?.unref();
        resolve(verdict);
      };
      this.pending.set(id, settle);
      child.channel?.ref();
      child.send({ type: 'check', id, sql, policy } satisfies GuardRequest);
    });
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    // `mcpc build --bundle` points this at the bundled worker beside server.mjs (compiler/cli/bundle.ts).
    const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
    // No stdin (the engine reads fd 0 for INSERTs) and no stdout (over stdio it is the protocol's).
    const child = fork(worker, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (reply: GuardReply) => {
        if (reply.type === 'ready') {
          child.channel?.unref();
          resolve();
        } else if (reply.type === 'failed') reject(new Error(reply.message));
        else this.pending.get(reply.id)?.(reply.verdict);
      });
      child.once('exit', (code, signal) => {
        reject(new Error(`the guard process exited (${signal ?? code})`));
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        for (const settle of [...this.pending.values()]) settle({ ok: false, message: 'the SQL guard stopped while checking; try again' });
        log.warn('the SQL guard process exited; the next check starts it again', { code, signal });
      });
    });
    child.unref();
    child.send({ type: 'catalog', catalog: this.catalog } satisfies GuardRequest);
    // A failed start is forgotten, so a later check tries again.
    this.ready.catch(() => {
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
        child.kill();
      }
    });
    return this.ready;
  }
}
