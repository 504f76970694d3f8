import type { SqlCatalogSpec } from '../contract/spec.js';
import { checkSql, type SqlPolicy, type SqlVerdict } from './check.js';
import { GuardEngine } from './engine.js';

/**
 * The SQL guard's process (forked by runtime/sql-guard/guard.ts): it loads one catalog into an
 * engine of its own and answers checks one at a time, in order. It ends when the server that
 * forked it goes (its IPC channel closes), so it never outlives it.
 */

/** From the server: the catalog first, then checks. */
export type GuardRequest = { type: 'catalog'; catalog: SqlCatalogSpec } | { type: 'check'; id: number; sql: string; policy: SqlPolicy };

/** To the server. */
export type GuardReply = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'verdict'; id: number; verdict: SqlVerdict };

const send = (reply: GuardReply) => process.send?.(reply);
let engine: Promise<GuardEngine> | undefined;
let queue: Promise<unknown> = Promise.resolve();

process.on('disconnect', () => {
  void engine?.then((e) => e.close()).catch(() => undefined);
  process.exit(0);
});

process.on('message', (request: GuardRequest) => {
  if (request.type === 'catalog') {
    engine = GuardEngine.open(request.catalog);
    engine.then(
      () => send({ type: 'ready' }),
      (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  const opened = engine;
  if (!opened) return;
  // One check at a time: the engine's session runs one query at a time.
  queue = queue.then(async () => {
    const verdict = await checkSql(await opened, request.sql, request.policy).catch(
      (error: unknown): SqlVerdict => ({
        ok: false,
        message: `the SQL guard failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      }),
    );
    send({ type: 'verdict', id: request.id, verdict });
  });
});
