import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_HEADERS, rawRequest, rpcResult } from '../support/http.js';
import { memoryOf } from '../support/processes.js';
import { buildPipeline, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Load a hostile client can make: more concurrent calls than the server takes, and queries that
 * want more memory than a query may have. The server (test/security/pipelines/hostile.yaml)
 * takes 2 calls at once with 2 waiting at most 400 ms, and gives a query 64 MiB.
 */
let server: RunningServer;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/security/pipelines/hostile.yaml', 'hostile'));
});
afterAll(async () => {
  await server?.stop();
});

const call = async (name: string, args: unknown = {}) => {
  const response = await rawRequest(server.url, {
    headers: LEGACY_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  return rpcResult(response.body).result!;
};

describe('load beyond the server limits', () => {
  it('runs at most the limit at once, refuses the rest with a retryable SERVER.BUSY, and keeps /healthz answering', async () => {
    const healthUrl = server.url.replace('/mcp', '/healthz');
    let healthChecks = 0;
    let slowestHealthMs = 0;
    let running = true;
    const health = (async () => {
      while (running) {
        const started = performance.now();
        const response = await fetch(healthUrl);
        const report = (await response.json()) as { calls: { running: number; queued: number; limit: number } };
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
        expect(report.calls.running).toBeLessThanOrEqual(2);
        expect(report.calls.queued).toBeLessThanOrEqual(2);
        expect(report.calls.limit).toBe(2);
        healthChecks++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Each `slow` call takes about a second: 2 run, 2 wait (and time out at 400 ms), 8 are refused at once.
    const results = await Promise.all(Array.from({ length: 12 }, () => call('slow')));
    running = false;
    await health;
    const busy = results.filter((r) => r._meta?.['mcpc/error_code'] === 'SERVER.BUSY');
    const ok = results.filter((r) => !r.isError);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(busy.length).toBeGreaterThanOrEqual(8);
    expect(ok.length + busy.length).toBe(12);
    for (const refused of busy) {
      expect(refused.content?.[0]?.text).toMatch(/^SERVER\.BUSY: the server is at its limit of 2 calls at once \(.+\); retry after \d+ ms/);
      expect(refused._meta?.['mcpc/retry_after_ms']).toBeGreaterThanOrEqual(100);
    }
    // Health never waits behind the calls: it answered many times while they ran (generous bound, a hang catcher).
    expect(healthChecks).toBeGreaterThan(5);
    expect(slowestHealthMs).toBeLessThan(2_000);
    // And the server serves normally once the burst is over.
    expect((await call('pick', { a: 'after' })).structuredContent).toMatchObject({ rows: [{ a: 'after', b: '' }] });
  });

  it('stops a query at its memory cap in the engine, and keeps serving', async () => {
    const hog = await call('hog');
    expect(hog.isError).toBe(true);
    expect(hog._meta?.['mcpc/error_code']).toBe('QUERY.RESOURCE_LIMIT');
    expect(hog.content?.[0]?.text).toMatch(/memory/i);
    expect((await call('pick', { a: 'still here' })).structuredContent).toMatchObject({ rows: [{ a: 'still here' }] });
  });

  it('returns near its resident memory after a burst of maximum-size calls', async () => {
    const pid = server.process.pid;
    const data = Array.from({ length: 10_000 }, (_, i) => ({ created: `2024-01-${String((i % 28) + 1).padStart(2, '0')} 10:00:00`, amount: i % 997 }));
    await call('summarize', { data });
    const before = memoryOf(pid)!.rssMiB;
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 20 }, () => call('summarize', { data })));
    await new Promise((r) => setTimeout(r, 1500));
    const after = memoryOf(pid)!.rssMiB;
    // A bound that catches memory held per call (20 calls x 3 rounds of ~0.7 MB arguments and results), not noise.
    expect(after).toBeLessThan(before * 1.5 + 50);
  });
});
