import { LEGACY_HEADERS, rawRequest, rpcResult } from './http.js';
import type { RunningServer } from './servers.js';

// Calls, health and SIGTERM for the fault tests (audit, shutdown, disconnects), over real HTTP.

/** What a tools/call answered: its request id, and its error code when it failed. */
export interface Answer {
  requestId: string;
  isError: boolean;
  code?: string;
}

let nextId = 1;
/** One tools/call as a 2025-era client sends it; rejects when the server could not be reached or hung up. */
export async function call(url: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } });
  const response = await rawRequest(url, { headers: { ...LEGACY_HEADERS, ...headers }, body });
  const { result } = rpcResult(response.body);
  if (!result) throw new Error(`no result (HTTP ${response.status}): ${response.body.slice(0, 200)}`);
  const meta = result._meta ?? {};
  return {
    requestId: meta['mcpc/request_id'] as string,
    isError: result.isError === true,
    ...(typeof meta['mcpc/error_code'] === 'string' ? { code: meta['mcpc/error_code'] } : {}),
  };
}

/** The parts of /healthz the fault tests read. */
export interface Health {
  status: string;
  calls: { running: number; queued: number };
  streams: { open: number };
  audit?: { status: 'ok' | 'down'; queued: number; spooled: number; lost: number };
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(url.replace('/mcp', '/healthz'))).json()) as Health;
}

/** Polls health until `done` holds, for at most `ms`; the last report either way. */
export async function healthUntil(url: string, done: (h: Health) => boolean, ms: number): Promise<{ ok: boolean; last: Health }> {
  const until = Date.now() + ms;
  let last = await health(url);
  while (!done(last) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    last = await health(url);
  }
  return { ok: done(last), last };
}

/** SIGTERM (or `signal`), and the exit code once the process is gone (SIGKILL after 30 s: then the test fails on the code). */
export async function terminate(running: RunningServer, signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM'): Promise<number | null> {
  const exited = new Promise<number | null>((done) => running.process.once('exit', (code) => done(code)));
  running.process.kill(signal);
  const killer = setTimeout(() => running.process.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(killer);
  return code;
}

/** Runs `count` calls, `concurrency` at a time. */
async function load(count: number, concurrency: number, one: (i: number) => Promise<Answer>): Promise<PromiseSettledResult<Answer>[]> {
  const results: PromiseSettledResult<Answer>[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await one(i).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return results;
}

/**
 * Calls `echo` in phases (each `count` calls, 8 at once) and keeps the request ids of the calls
 * that succeeded and the number that did not: what a test that loses no audit record counts.
 */
export function echoPhases(url: string): { ids: string[]; errors(): number; phase(count: number): Promise<void> } {
  const ids: string[] = [];
  let errors = 0;
  return {
    ids,
    errors: () => errors,
    async phase(count) {
      for (const result of await load(count, 8, (i) => call(url, 'echo', { n: i }))) {
        if (result.status === 'fulfilled' && !result.value.isError) ids.push(result.value.requestId);
        else errors++;
      }
    },
  };
}
