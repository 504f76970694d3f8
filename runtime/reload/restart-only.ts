import type { ServerSpec } from '../contract/spec.js';

/**
 * What a running server cannot take from a new build, with why: these were resolved once at
 * start (a listening socket, an authenticator, open connections whose settings are pinned, an
 * embedded data directory only one process may open, the runtime code already loaded).
 */
const RESTART_ONLY: ReadonlyArray<readonly [string, (spec: ServerSpec) => unknown]> = [
  ['server.name', (s) => s.name],
  ['the mcpc that built it (generator)', (s) => s.generator],
  ['sources', (s) => s.sources],
  ['auth', (s) => s.auth],
  ['server.http (host, port, allowed origins and hosts)', (s) => s.http],
  ['server.limits', (s) => s.limits],
  ['server.cursor_secret', (s) => s.cursorSecret],
  ['state (where budgets and idempotency records live)', (s) => s.state],
  ['telemetry (its exporters start with the server)', (s) => s.telemetry],
  ['audit (its sink and spool open with the server)', (s) => s.audit],
  ["the pipeline file's directory", (s) => s.projectDir],
];

/** The parts of `next` that differ from `running` and need a restart; empty when it can be swapped in live. */
export function restartOnlyChanges(running: ServerSpec, next: ServerSpec): string[] {
  return RESTART_ONLY.filter(([, part]) => JSON.stringify(part(running)) !== JSON.stringify(part(next))).map(([name]) => name);
}
