import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_HEADERS, rpcResult } from '../support/http.js';
import { buildPipeline, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Fault test of budgets under load (issue 14): 20,000 calls at concurrency 50 over HTTP from ten
 * callers (told apart by X-Forwarded-For), each allowed 500 calls a day
 * (test/e2e/budgets/load.yaml). No crash; every call either succeeds or is refused with
 * BUDGET.EXHAUSTED and a retry hint; the successes are exactly what the buckets held (plus what
 * they refilled while the test ran); the audit holds exactly one record per call, each with its
 * outcome; the figures are printed.
 */
const CALLS = 20_000;
const CONCURRENCY = 50;
const CALLERS = 10;
const RATE_PER_DAY = 500;

let server: RunningServer;
const auditDir = mkdtempSync(join(tmpdir(), 'mcpc-budget-load-audit-'));
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/e2e/budgets/load.yaml', 'budget-load'), {
    env: { BUDGET_LOAD_AUDIT: join(auditDir, 'calls.jsonl'), BUDGET_LOAD_SPOOL: join(auditDir, 'spool') },
  });
});
afterAll(async () => {
  await server?.stop();
});

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url: string, caller: number, n: number): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const body = JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'ping', arguments: { n } } });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'x-forwarded-for': `10.9.0.${caller}`,
          ...LEGACY_HEADERS,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('budgets under load', () => {
  it(`answers ${CALLS} calls at concurrency ${CONCURRENCY}: each succeeds or is throttled with BUDGET.EXHAUSTED, and the counts add up`, async () => {
    const started = performance.now();
    const figures = { calls: 0, ok: 0, throttled: 0, errors: 0 };
    const okPerCaller = new Array<number>(CALLERS).fill(0);
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let n = next++; n < CALLS; n = next++) {
        const caller = n % CALLERS;
        figures.calls++;
        try {
          const response = await post(server.url, caller, n);
          const result = rpcResult(response.body).result;
          if (response.status === 200 && result && !result.isError && (result.structuredContent as { rows: Array<{ n: number }> }).rows[0]?.n === n) {
            figures.ok++;
            okPerCaller[caller]!++;
          } else if (result?._meta?.['mcpc/error_code'] === 'BUDGET.EXHAUSTED' && (result._meta['mcpc/retry_after_ms'] as number) > 0) {
            figures.throttled++;
          } else {
            figures.errors++;
            if (problems.length < 5) problems.push(`${response.status} ${response.body.slice(0, 300)}`);
          }
        } catch (error) {
          figures.errors++;
          if (problems.length < 5) problems.push((error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsedMs = performance.now() - started;
    agent.destroy();
    // The figures, for the CI log.
    process.stdout.write(
      `budget fault test: ${JSON.stringify({ ...figures, callers: CALLERS, ok_per_caller: okPerCaller, seconds: Math.round(elapsedMs / 100) / 10 })}\n`,
    );

    expect(problems).toEqual([]);
    expect(figures.errors).toBe(0);
    expect(figures.calls).toBe(CALLS);
    expect(figures.ok + figures.throttled).toBe(CALLS);
    // Each caller got its 500 and, at most, what its bucket refilled while the test ran.
    const refilled = Math.ceil((elapsedMs * RATE_PER_DAY) / 86_400_000);
    for (const ok of okPerCaller) {
      expect(ok).toBeGreaterThanOrEqual(RATE_PER_DAY);
      expect(ok).toBeLessThanOrEqual(RATE_PER_DAY + refilled);
    }
    expect(figures.throttled).toBeGreaterThan(0);

    // No crash: the process is alive and healthy, and serves a caller with budget left.
    expect(server.process.exitCode).toBeNull();
    const health = await fetch(server.url.replace('/mcp', '/healthz'));
    expect(health.status).toBe(200);
    const fresh = rpcResult((await post(server.url, 99, 7)).body).result;
    expect(fresh?.structuredContent).toEqual({ rows: [{ n: 7 }], row_count: 1, truncated: false });

    // The audit, flushed by the server's shutdown: exactly one record per call (the one above too),
    // each with the outcome its caller saw.
    await server.stop();
    const records = readdirSync(auditDir)
      .filter((name) => name.endsWith('.jsonl'))
      .flatMap((name) =>
        readFileSync(join(auditDir, name), 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
      )
      .map((line) => JSON.parse(line) as { request_id: string; tool: string; outcome: string; error_code: string | null });
    const audit = {
      records: records.length,
      distinct: new Set(records.map((r) => r.request_id)).size,
      ok: records.filter((r) => r.outcome === 'ok').length,
      throttled: records.filter((r) => r.error_code === 'BUDGET.EXHAUSTED').length,
    };
    process.stdout.write(`budget fault test, audit: ${JSON.stringify(audit)}\n`);
    expect(audit).toEqual({ records: CALLS + 1, distinct: CALLS + 1, ok: figures.ok + 1, throttled: figures.throttled });
  }, 600_000);
});
