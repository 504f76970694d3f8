import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Composite pipelines served as tools, on embedded ClickHouse with a stock client: the step
 * scheduler (test/e2e/pipelines/dag.yaml), failures, cancellation and progress.
 */
let server: RunningServer;
let client: Client;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/e2e/pipelines/dag.yaml', 'dag'));
  client = await connectHttp(server.url, 'legacy');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const text = (result: { content?: unknown }) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';

/** How many `hang` queries the engine runs now. */
async function hangingQueries(via = client): Promise<number> {
  const result = await via.callTool({ name: 'hanging_queries', arguments: {} });
  return Number((result.structuredContent as { rows: Array<{ n: string }> }).rows[0]!.n);
}

/** Polls until no `hang` query runs, for at most `ms`; the time it took, or undefined. */
async function queriesGoneWithin(ms: number, via = client): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if ((await hangingQueries(via)) === 0) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

describe('pipelines served as tools', () => {
  it('lists each pipeline as a tool with its input and output schemas', async () => {
    const { tools } = await client.listTools();
    const diamond = tools.find((t) => t.name === 'diamond')!;
    expect(diamond.inputSchema).toMatchObject({ type: 'object', properties: { n: { type: 'integer', default: 1 } } });
    expect(diamond.outputSchema).toMatchObject({ type: 'object' });
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['diamond', 'fails_midway', 'hanging', 'times_out']));
  });

  it('runs the independent branches of a diamond at once, and passes results between steps as values', async () => {
    const progress: Array<{ progress: number; total?: number | undefined; message?: string | undefined }> = [];
    const result = await client.callTool({ name: 'diamond', arguments: { n: 5 } }, { onprogress: (p) => progress.push(p) });
    expect(result.isError, text(result)).toBeFalsy();
    // a gives 5, right gives 2; sum adds them (Int64 comes quoted, so ids beyond 2^53 stay exact).
    expect(result.structuredContent).toEqual({ total: '7' });
    // That the branches overlap is shown by the engine's own clock (next test), not by a wall-clock bound.
    // One progress notification per finished step, in order of completion.
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
    expect(progress.every((p) => p.total === 4)).toBe(true);
    expect(progress[0]!.message).toBe("step 'a' (start) done");
    expect(progress[3]!.message).toBe("step 'sum' (add) done");
  });

  it('proves the overlap of the branches with the engine own clock', async () => {
    const result = await client.callTool({ name: 'branches', arguments: {} });
    const { left, right } = result.structuredContent as { left: Array<{ started: string }>; right: Array<{ started: string }> };
    // Each branch sleeps a second after its start (now64() in the engine, in ms): run one after the
    // other, the second would start at least 1000 ms after the first; they overlapped, so it did not.
    expect(Math.abs(Number(left[0]!.started) - Number(right[0]!.started))).toBeLessThan(1000);
  });

  it('reports a step the engine refuses with its code and the engine words', async () => {
    const result = await client.callTool({ name: 'engine_error', arguments: {} });
    expect(result._meta?.['mcpc/error_code']).toBe('STEP.FAILED');
    expect(text(result)).toMatch(/^STEP\.FAILED: step 'boom' \(fail\) failed with QUERY\.FAILED: the query failed: .*the step fails on purpose/);
  });

  it('stops at the first failing step: names it, cancels the running one, never starts the rest', async () => {
    const result = await client.callTool({ name: 'fails_midway', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result._meta?.['mcpc/error_code']).toBe('STEP.FAILED');
    // Results pass as values, validated as if a client sent them: the Int64 total (returned as the
    // text "200", exact) reaches the integer param as the number 200, which its maximum refuses.
    expect(text(result)).toMatch(/^STEP\.FAILED: step 'boom' \(start\) failed with PARAMS\.INVALID: argument 'n' must be <= 100 \(got 200\)/);
    expect(text(result)).toContain('cancelled: long; not started: never');
    // The cancelled step's query is stopped in the engine, not left to run.
    const gone = await queriesGoneWithin(1000);
    expect(gone, 'the hang query of the cancelled step still runs').toBeDefined();
  });

  it('stops a step at its timeout, query included', async () => {
    const result = await client.callTool({ name: 'times_out', arguments: {} });
    expect(result._meta?.['mcpc/error_code']).toBe('STEP.TIMEOUT');
    expect(text(result)).toContain("step 'forever' (hang) ran longer than its 0.5 s");
    expect(await queriesGoneWithin(1000)).toBeDefined();
  });

  it.each(['legacy', 'modern'] as const)('cancels every running step, and its query, when a %s client cancels the call', async (era) => {
    // 2025-era clients cancel with a notification in a request of its own; 2026-07-28 ones close the stream.
    const caller = await connectHttp(server.url, era);
    const controller = new AbortController();
    const call = caller.callTool({ name: 'hanging', arguments: {} }, { signal: controller.signal });
    // Wait until its query runs in the engine.
    const deadline = performance.now() + 10_000;
    while ((await hangingQueries(caller)) === 0) {
      if (performance.now() > deadline) throw new Error('the hanging pipeline never started its query');
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    await expect(call).rejects.toThrow();
    const gone = await queriesGoneWithin(1000, caller);
    expect(gone, 'the query of the cancelled pipeline still runs').toBeDefined();
    await caller.close();
  });
});
