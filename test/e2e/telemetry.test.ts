import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.js';
import { outsideDir } from '../support/paths.js';
import { buildPipeline, connectHttp, runToExit, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * OpenTelemetry, end to end: a generated server exports to a small OTLP/HTTP receiver the test
 * starts, a stock client calls a two-step pipeline with a W3C traceparent in `params._meta`, and
 * the spans arrive in one trace under the caller's span; each query's trace reaches the engine.
 * Without an endpoint, nothing is exported and the path is as before.
 */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
/** SpanKind in OTLP's encoding. */
const KIND = { internal: 1, server: 2, client: 3 };
const STATUS_ERROR = 2;

const serverJs = buildPipeline('test/e2e/telemetry/traced.yaml', 'traced');

/** Polls until `ready` holds of what the receiver has, for at most 20 s. */
async function until<T>(read: () => T, ready: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = read();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('with telemetry.otlp_endpoint set', () => {
  let receiver: OtlpReceiver;
  let server: RunningServer;
  let client: Client;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    server = await startHttpServer(serverJs, {
      // Short export delays, so the test reads spans and metrics within moments of the calls.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '200' },
    });
    client = await connectHttp(server.url, 'legacy');
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await receiver?.close();
  });

  it('exports the spans of a call through a two-step pipeline in one trace, under the caller span', async () => {
    const result = await client.callTool({
      name: 'two_steps',
      arguments: { n: 417 },
      _meta: { traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7' },
    });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const requestId = result._meta?.['mcpc/request_id'] as string;

    const spans = await until(
      () => receiver.spans().filter((s) => s.traceId === TRACE_ID),
      (found) => found.length >= 5,
    );
    // The call, its two steps, one query per step: one trace, the caller's.
    expect(spans.map((s) => s.name).sort()).toEqual([
      'SELECT default',
      'SELECT default',
      'execute_tool add_one',
      'execute_tool own_query',
      'tools/call two_steps',
    ]);
    const byName = (name: string) => spans.filter((s) => s.name === name);

    const call = byName('tools/call two_steps')[0]!;
    expect(call.parentSpanId).toBe(CALLER_SPAN);
    expect(call.kind).toBe(KIND.server);
    expect(call.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'two_steps',
      'gen_ai.operation.name': 'execute_tool',
      'network.transport': 'tcp',
      'mcpc.request_id': requestId,
    });
    expect(call.attributes['jsonrpc.request.id']).toEqual(expect.any(String));
    expect(call.attributes['client.address']).toBe('127.0.0.1');
    expect(call.status.code ?? 0).not.toBe(STATUS_ERROR);
    expect(call.resource).toMatchObject({ 'service.name': 'traced', 'service.version': '1.0.0' });

    const first = byName('execute_tool add_one')[0]!;
    const second = byName('execute_tool own_query')[0]!;
    for (const [step, id, tool] of [
      [first, 'first', 'add_one'],
      [second, 'second', 'own_query'],
    ] as const) {
      expect(step.parentSpanId).toBe(call.spanId);
      expect(step.kind).toBe(KIND.internal);
      expect(step.attributes).toMatchObject({
        'gen_ai.tool.name': tool,
        'mcpc.pipeline.name': 'two_steps',
        'mcpc.step.id': id,
        'mcpc.request_id': `${requestId}.${id}`,
      });
    }

    const queries = byName('SELECT default');
    const queryOf = (step: ReceivedSpan) => queries.find((q) => q.parentSpanId === step.spanId)!;
    expect(queryOf(first).attributes).toMatchObject({
      'db.system.name': 'clickhouse',
      'db.operation.name': 'SELECT',
      'db.namespace': 'default',
      'db.query.text': 'SELECT {n:UInt32} + 1 AS n',
      'db.response.returned_rows': 1,
      'mcpc.request_id': `${requestId}.first`,
    });
    expect(queryOf(first).kind).toBe(KIND.client);
    expect(queryOf(second).attributes['db.query.text']).toContain('FROM system.processes');

    // No argument value is recorded anywhere (417 in, 418 between the steps).
    for (const span of spans) expect(JSON.stringify(span.attributes), span.name).not.toMatch(/41[78]/);

    // The second step read its own query as the engine ran it: its log_comment names the caller,
    // then the trace and the query's own span, as SQLCommenter writes them.
    const ran = result.structuredContent as { log_comment: string; n: string };
    expect(ran.n).toBe('418');
    expect(ran.log_comment).toBe(`anonymous traceparent='00-${TRACE_ID}-${queryOf(second).spanId}-01'`);
  });

  it('starts a trace of its own for a call without a traceparent', async () => {
    const result = await client.callTool({ name: 'add_one', arguments: { n: 1 } });
    const requestId = result._meta?.['mcpc/request_id'] as string;
    const spans = await until(
      () => receiver.spans().filter((s) => s.attributes['mcpc.request_id'] === requestId),
      (found) => found.length >= 2,
    );
    const call = spans.find((s) => s.name === 'tools/call add_one')!;
    expect(call.parentSpanId).toBeUndefined();
    expect(call.traceId).not.toBe(TRACE_ID);
    expect(spans.find((s) => s.name === 'SELECT default')!.parentSpanId).toBe(call.spanId);
  });

  it("fails the spans of a failed call with mcpc's error code, and the query's with the engine's code", async () => {
    const result = await client.callTool({ name: 'fail', arguments: {}, _meta: { traceparent: TRACEPARENT } });
    expect(result._meta?.['mcpc/error_code']).toBe('QUERY.FAILED');
    const requestId = result._meta?.['mcpc/request_id'] as string;
    const spans = await until(
      () => receiver.spans().filter((s) => s.attributes['mcpc.request_id'] === requestId),
      (found) => found.length >= 2,
    );
    const call = spans.find((s) => s.name === 'tools/call fail')!;
    expect(call.status).toMatchObject({ code: STATUS_ERROR, message: 'QUERY.FAILED' });
    expect(call.attributes['error.type']).toBe('QUERY.FAILED');
    const query = spans.find((s) => s.name === 'SELECT default')!;
    expect(query.status.code).toBe(STATUS_ERROR);
    // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO
    expect(query.attributes).toMatchObject({ 'error.type': 'QUERY.FAILED', 'db.response.status_code': '395' });
  });

  it('traces an insert and a stream read on the embedded engine, their queries carrying the trace', async () => {
    const inserted = await client.callTool({ name: 'add_marks', arguments: { rows: [{ x: 7 }], idempotency_key: 'k-1' }, _meta: { traceparent: TRACEPARENT } });
    expect(inserted.isError, JSON.stringify(inserted.content)).toBeFalsy();
    const streamed = await client.callTool({ name: 'all_marks', arguments: {}, _meta: { traceparent: TRACEPARENT } });
    expect(streamed.isError, JSON.stringify(streamed.content)).toBeFalsy();
    expect((streamed.structuredContent as { rows: Array<{ x: number }> }).rows.map((r) => r.x)).toEqual([1, 2, 3, 7]);
    const ids = [inserted, streamed].map((r) => r._meta?.['mcpc/request_id'] as string);
    const spans = await until(
      () => receiver.spans().filter((s) => ids.includes(String(s.attributes['mcpc.request_id']))),
      (found) => found.length >= 4,
    );
    const insert = spans.find((s) => s.name === 'INSERT marks')!;
    expect(insert.attributes).toMatchObject({ 'db.system.name': 'clickhouse', 'db.operation.name': 'INSERT', 'db.collection.name': 'marks' });
    expect(insert.parentSpanId).toBe(spans.find((s) => s.name === 'tools/call add_marks')!.spanId);
    const read = spans.find((s) => s.name === 'SELECT default' && s.attributes['mcpc.request_id'] === ids[1])!;
    expect(read.attributes['db.response.returned_rows']).toBe(4);
    expect(read.status.code ?? 0).not.toBe(STATUS_ERROR);
  });

  it('exports metrics: calls, latency, errors by code, rows', async () => {
    const points = await until(
      () => receiver.points(),
      (found) => found.some((p) => p.metric === 'mcpc.tool.errors' && p.attributes['error.type'] === 'QUERY.FAILED'),
    );
    // Cumulative sums: the latest point of each series counts every call so far.
    const latest = (metric: string, attributes: Record<string, string>) =>
      points.filter((p) => p.metric === metric && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)).at(-1)?.value;
    expect(latest('mcpc.tool.calls', { 'gen_ai.tool.name': 'two_steps' })).toBeGreaterThanOrEqual(1);
    expect(latest('mcpc.tool.errors', { 'gen_ai.tool.name': 'fail', 'error.type': 'QUERY.FAILED' })).toBe(1);
    expect(latest('mcpc.tool.rows', { 'gen_ai.tool.name': 'add_one' })).toBeGreaterThanOrEqual(1);
    expect(latest('mcp.server.operation.duration', { 'gen_ai.tool.name': 'fail', 'error.type': 'QUERY.FAILED' })).toBe(1);
    expect(latest('db.client.operation.duration', { 'db.system.name': 'clickhouse', 'db.operation.name': 'SELECT' })).toBeGreaterThanOrEqual(1);
  });
});

describe('without an endpoint', () => {
  it('exports nothing, starts no SDK, and serves as before', async () => {
    const receiver = await startOtlpReceiver();
    // The variable the pipeline reads is empty. The per-signal variables point at the receiver: an
    // exporter started anyway with the SDK's defaults would send there.
    const server = await startHttpServer(serverJs, {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
      },
    });
    try {
      const client = await connectHttp(server.url, 'legacy');
      const result = await client.callTool({ name: 'two_steps', arguments: { n: 2 }, _meta: { traceparent: TRACEPARENT } });
      await client.close();
      expect(result.isError).toBeFalsy();
      const ran = result.structuredContent as { text: string; log_comment: string };
      // The query reached the engine as before: no log_comment, no SETTINGS clause.
      expect(ran.log_comment).toBe('');
      expect(ran.text).not.toMatch(/SETTINGS|traceparent/);
      expect(server.log()).not.toContain('exporting telemetry');
    } finally {
      // Shutdown flushes telemetry when there is any: after exit, the receiver would have it.
      await server.stop();
    }
    expect(server.process.exitCode).toBe(0);
    expect(receiver.requests()).toBe(0);
    await receiver.close();
  });
});

describe('an endpoint that is not an OTLP/HTTP URL', () => {
  it('refuses to start, saying what to fix and not echoing the value (it may carry credentials)', async () => {
    const { code, stderr } = await runToExit(serverJs, {
      cwd: outsideDir('bad-endpoint'),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://user:s3cret@collector:4317' },
    });
    expect(code).not.toBe(0);
    expect(stderr).toContain('telemetry otlp_endpoint must be an http:// or https:// URL of an OTLP/HTTP receiver');
    expect(stderr).not.toContain('s3cret');
  });
});
