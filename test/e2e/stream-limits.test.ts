import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * The limits on live streams, the health report while streams wait on slow clients, and the ways a
 * live stream ends early (test/e2e/streams/limits.yaml: one live stream at a time, 1 KiB held for
 * slow clients, streams stopped after 3 s).
 */
let server: RunningServer;
let client: Client;
beforeAll(async () => {
  server = await startHttpServer(buildPipeline('test/e2e/streams/limits.yaml', 'stream_limits'));
  client = await connectHttp(server.url, 'legacy');
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

interface Health {
  status: string;
  streams: { open: number; paused: number; buffered_bytes: number; max_buffered_bytes: number; backpressure: number; limit: number };
}
const health = async (): Promise<{ code: number; report: Health }> => {
  const response = await fetch(server.url.replace('/mcp', '/healthz'));
  return { code: response.status, report: (await response.json()) as Health };
};

/** Polls until `check` holds, or fails after `ms`. */
async function until<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (performance.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const running = async () => {
  const result = await client.callTool({ name: 'running_streams', arguments: {} });
  return Number((result.structuredContent as { rows: Array<{ n: string }> }).rows[0]!.n);
};

/** A live stream requested over raw HTTP, whose response the test reads (or not) itself. */
function rawLiveCall(tool: string, signal: AbortSignal): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: tool, arguments: {}, _meta: { partialResultToken: 'raw', progressToken: 'raw' } },
    }),
  });
}

const errorCode = (result: Awaited<ReturnType<Client['callTool']>>) => (result._meta as Record<string, unknown> | undefined)?.['mcpc/error_code'];

describe('a live stream whose client stops reading', () => {
  it('pauses the read, shows in health as backpressure (unhealthy at the cap), and makes new live streams wait with STREAM.BUSY', async () => {
    const abort = new AbortController();
    const response = await rawLiveCall('all_events', abort.signal);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    try {
      // The client reads nothing: the response's buffers fill and the stream waits on it, holding one batch.
      const { code, report } = await until('the stream never paused', health, ({ report }) => report.streams.paused === 1);
      expect(report.streams).toMatchObject({ open: 1, paused: 1, max_buffered_bytes: 1024, limit: 1 });
      expect(report.streams.buffered_bytes).toBeGreaterThan(1024);
      expect(report.streams.backpressure).toBe(1);
      expect(report.status).toBe('unhealthy');
      expect(code).toBe(503);

      // The same report as an MCP resource, for callers that speak only MCP.
      const resource = await client.readResource({ uri: 'mcpc://health' });
      const content = resource.contents[0] as { mimeType: string; text: string };
      expect(content.mimeType).toBe('application/json');
      expect(JSON.parse(content.text)).toMatchObject({ status: 'unhealthy', streams: { open: 1, paused: 1 } });

      // Another live stream is refused at once, retryably; a page by cursor is still served.
      const busy = await client.callTool({ name: 'first_events', arguments: {}, _meta: { partialResultToken: 'second' } });
      expect(busy.isError).toBe(true);
      expect(errorCode(busy)).toBe('STREAM.BUSY');
      expect((busy._meta as Record<string, unknown>)['mcpc/retry_after_ms']).toBeGreaterThan(0);
      expect((busy.content as Array<{ text: string }>)[0]!.text).toMatch(/^STREAM\.BUSY: .*page by page/);
      const page = await client.callTool({ name: 'first_events', arguments: {} });
      expect(page.isError).toBeFalsy();
      expect((page.structuredContent as { row_count: number }).row_count).toBe(1000);
    } finally {
      abort.abort();
    }
    // The closed stream frees its place: health recovers, and a live stream runs again.
    await until('health did not recover', health, ({ code, report }) => code === 200 && report.streams.open === 0 && report.status === 'ok');
    const again = await client.callTool({ name: 'first_events', arguments: {}, _meta: { partialResultToken: 'third' } });
    expect(again.isError).toBeFalsy();
    expect(again.structuredContent).toMatchObject({ rows: [], row_count: 3000, next_cursor: null, truncated: true });
  });
});

describe('a live stream that ends early', () => {
  it('stops its query in the engine within a second when the client closes the HTTP stream', async () => {
    const abort = new AbortController();
    const response = rawLiveCall('slow_events', abort.signal);
    await until('the stream query never started', running, (n) => n > 0);
    await response;
    abort.abort();
    const closed = performance.now();
    await until('the stream query still runs', running, (n) => n === 0, 3000);
    expect(performance.now() - closed).toBeLessThan(1000);
    await until('the stream is still open', health, ({ report }) => report.streams.open === 0, 3000);
  });

  it('stops its query at stream_timeout_s and answers QUERY.TIMEOUT', async () => {
    const started = performance.now();
    const result = await client.callTool({ name: 'slow_events', arguments: {}, _meta: { partialResultToken: 'timeout' } }, { timeout: 30_000 });
    const took = performance.now() - started;
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('QUERY.TIMEOUT');
    expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(/^QUERY\.TIMEOUT: the query ran longer than the source's limit of 3 s/);
    expect(took).toBeGreaterThan(2500);
    await until('the stream query still runs', running, (n) => n === 0, 1000);
  });
});

describe('a stream read by a pipeline step', () => {
  it('takes the whole stream up to its max_rows, in process', async () => {
    const result = await client.callTool({ name: 'events_in_pipeline', arguments: {} });
    expect(result.isError).toBeFalsy();
    const output = result.structuredContent as { rows: Array<{ id: string }>; row_count: number; truncated: boolean };
    expect(output.row_count).toBe(3000);
    expect(output.truncated).toBe(true);
    expect(output.rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
