import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { summarize, type Measurement, type Streamed } from '../stats.js';
import { type Direct, openDirect } from './direct.js';

/**
 * The load generator: a process of its own, so the servers under test never share a CPU queue
 * with the code that times them. It reads one JSON command per line on stdin and answers each with
 * one JSON line on stdout.
 */
export type Command =
  | {
      op: 'mcp';
      url: string;
      era: 'legacy' | 'modern';
      method: 'tools/call' | 'tools/list' | 'tools/list page';
      tool?: string;
      args?: ArgsSpec;
      concurrency: number;
      durationMs: number;
      /** Sent with every request, e.g. `authorization` (B7 measures a JWT's verification). */
      headers?: Record<string, string>;
    }
  | { op: 'direct'; sql: string; args?: ArgsSpec; concurrency: number; durationMs: number; gapMs?: number }
  /** Calls an insert tool with `batch` rows and a fresh idempotency key each time. */
  | { op: 'mcp insert'; url: string; era: 'legacy' | 'modern'; tool: string; batch: number; concurrency: number; durationMs: number }
  /** Inserts the same batches into `table` through `@clickhouse/client`, with a fresh deduplication token each time. */
  | { op: 'direct insert'; table: string; batch: number; concurrency: number; durationMs: number }
  /** Calls `first`, then `second` with the first result's rows as its param `pass`: what a pipeline of the two saves a client. */
  | {
      op: 'mcp two calls';
      url: string;
      era: 'legacy' | 'modern';
      first: string;
      args?: ArgsSpec;
      second: string;
      pass: string;
      concurrency: number;
      durationMs: number;
    }
  /** Calls a stream tool asking for live batches (partial results), one stream at a time, and counts every row. */
  | { op: 'mcp stream'; url: string; era: 'legacy' | 'modern'; tool: string; durationMs: number }
  /** Streams `sql` with `params` through the engine's own client, one stream at a time, and counts every row. */
  | { op: 'direct stream'; sql: string; params: Record<string, unknown>; durationMs: number }
  | { op: 'http'; url: string; args?: ArgsSpec; concurrency: number; durationMs: number }
  | { op: 'jsonrpc'; url: string; method: string; concurrency: number; durationMs: number }
  | { op: 'exit' };

/** Fixed arguments, or a random id in [0, max) per call so a point query cannot hit a cache. */
export type ArgsSpec = { fixed: Record<string, unknown> } | { randomId: number };

const clients = new Map<string, Client[]>();
let direct: Direct | undefined;

/** Partial results are a draft (SEP-2998): the SDK's types have no such capability, and it sends what it is given. */
const PARTIAL_RESULTS: Record<string, object> = { partialResults: {} };

/**
 * `count` connected clients. Clients that stream declare partial results, which a client on the
 * 2026-07-28 protocol states with every request (without it, mcpc serves a stream page by page);
 * the others declare nothing, so their requests stay as they were.
 */
async function mcpClients(url: string, era: 'legacy' | 'modern', count: number, streams = false, headers?: Record<string, string>): Promise<Client[]> {
  const key = `${url} ${era}${streams ? ' streams' : ''}${headers ? ` ${JSON.stringify(headers)}` : ''}`;
  const pool = clients.get(key) ?? [];
  while (pool.length < count) {
    const client = new Client(
      { name: 'mcpc-bench', version: '1.0.0' },
      {
        ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
        ...(streams ? { capabilities: PARTIAL_RESULTS } : {}),
      },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : undefined));
    pool.push(client);
  }
  clients.set(key, pool);
  return pool.slice(0, count);
}

function argsFor(spec: ArgsSpec | undefined): Record<string, unknown> {
  if (!spec) return {};
  return 'fixed' in spec ? spec.fixed : { id: Math.floor(Math.random() * spec.randomId) };
}

/**
 * `count` rows of the benchmark's events table (bench_writes has its schema), as an agent would
 * send them: ids as numbers, DateTime as RFC 3339. The same rows go to mcpc and to the direct insert.
 */
function eventRows(count: number): Array<Record<string, unknown>> {
  const start = Date.UTC(2024, 0, 1) / 1000;
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    kind: i % 1000,
    amount: ((i * 7919) % 100_000) / 100,
    created: `${new Date((start + i) * 1000).toISOString().slice(0, 19)}Z`,
  }));
}

/**
 * Runs `lanes` loops of `call` until the deadline; each lane awaits its call before the next,
 * after an idle `gapMs` when given (what a server sees between one client's calls). A call that
 * streams says what it received.
 */
async function drive(lanes: number, durationMs: number, call: () => Promise<Streamed | undefined>, gapMs = 0): Promise<Measurement> {
  const latencies: number[] = [];
  const streams: Streamed[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < deadline) {
        if (gapMs > 0) await new Promise((resume) => setTimeout(resume, gapMs));
        const t = performance.now();
        try {
          const streamed = await call();
          latencies.push(performance.now() - t);
          if (streamed) streams.push(streamed);
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return summarize(latencies, errors, performance.now() - started, firstError, streams);
}

/** Counts a stream's rows as they arrive, and when the first came after the call began. */
function tally(): { add(rows: number): void; result(): Streamed } {
  const started = performance.now();
  let rows = 0;
  let firstRowsMs = Number.NaN;
  return {
    add(count) {
      if (count > 0 && rows === 0) firstRowsMs = performance.now() - started;
      rows += count;
    },
    result: () => ({ rows, firstRowsMs }),
  };
}

/** What a client that asked for partial results reads of each (runtime/protocol/server-factory.ts sends them). */
interface PartialResult {
  partialResultToken: string;
  structuredContent: { rows: unknown[] };
}
/** Accepts any notification params: the SDK asks for a Standard Schema, and partial results (a draft) have none in it. */
const ANY_PARAMS = { '~standard': { version: 1 as const, vendor: 'mcpc-bench', validate: (value: unknown) => ({ value }) } };

async function run(command: Exclude<Command, { op: 'exit' }>): Promise<Measurement> {
  if (command.op === 'http') {
    return drive(command.concurrency, command.durationMs, async () => {
      const query = new URLSearchParams(Object.entries(argsFor(command.args)).map(([k, v]): [string, string] => [k, String(v)]));
      const response = await fetch(`${command.url}?${query}`);
      await response.text();
    });
  }
  if (command.op === 'jsonrpc') {
    // One JSON-RPC request posted as bytes and read back as text: the server's work and the bytes
    // on the wire, without a client SDK parsing and validating the result.
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: command.method, params: {} });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    return drive(command.concurrency, command.durationMs, async () => {
      const response = await fetch(command.url, { method: 'POST', headers, body });
      const text = await response.text();
      if (!response.ok || !text.includes('"result"')) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    });
  }
  if (command.op === 'direct') {
    direct ??= await openDirect();
    const { client } = direct;
    return drive(
      command.concurrency,
      command.durationMs,
      async () => {
        const result = await client.query({ query: command.sql, query_params: argsFor(command.args), format: 'JSONEachRow' });
        await result.json();
      },
      command.gapMs,
    );
  }
  if (command.op === 'direct stream') {
    direct ??= await openDirect();
    const { stream } = direct;
    return drive(1, command.durationMs, async () => {
      const count = tally();
      for await (const rows of stream(command.sql, command.params)) count.add(rows.length);
      return count.result();
    });
  }
  if (command.op === 'direct insert') {
    direct ??= await openDirect();
    const { client } = direct;
    const rows = eventRows(command.batch);
    // As runtime/sources/embedded.ts writes an insert tool's rows: one INSERT, its settings in its
    // own SETTINGS clause, the rows serialized for each call (as one JSON array, which JSONEachRow
    // reads, and which is the cheapest text a client holding objects can make).
    return drive(command.concurrency, command.durationMs, async () => {
      const result = await client.exec({
        query: `INSERT INTO ${command.table} SETTINGS insert_deduplicate = 1, insert_deduplication_token = '${randomUUID()}', async_insert = 0, date_time_input_format = 'best_effort' FORMAT JSONEachRow`,
        values: Readable.from([JSON.stringify(rows)]),
      });
      await text(result.stream);
    });
  }
  const pool =
    command.op === 'mcp stream'
      ? await mcpClients(command.url, command.era, 1, true)
      : await mcpClients(command.url, command.era, command.concurrency, false, command.op === 'mcp' ? command.headers : undefined);
  let lane = 0;
  const next = () => pool[lane++ % pool.length]!;
  if (command.op === 'mcp insert') {
    const rows = eventRows(command.batch);
    return drive(command.concurrency, command.durationMs, async () => {
      const result = await next().callTool({ name: command.tool, arguments: { rows, idempotency_key: randomUUID() } });
      if (result.isError) throw new Error(JSON.stringify(result.content));
      const written = (result.structuredContent as { rows_written?: number } | undefined)?.rows_written;
      if (written !== rows.length) throw new Error(`wrote ${written} rows of ${rows.length}`);
    });
  }
  if (command.op === 'mcp stream') {
    const client = next();
    return drive(1, command.durationMs, async () => {
      const token = randomUUID();
      const count = tally();
      // One stream at a time on this client, so the handler counts the current call's batches.
      client.setNotificationHandler('notifications/tools/partial_result', { params: ANY_PARAMS }, (params) => {
        const partial = params as unknown as PartialResult;
        if (partial.partialResultToken === token) count.add(partial.structuredContent.rows.length);
      });
      // A stream of millions of rows takes longer than the SDK's default minute for a request.
      const result = await client.callTool({ name: command.tool, arguments: {}, _meta: { partialResultToken: token } }, { timeout: 600_000 });
      if (result.isError) throw new Error(JSON.stringify(result.content));
      const streamed = count.result();
      const final = result.structuredContent as { row_count: number; truncated: boolean };
      if (final.truncated || final.row_count !== streamed.rows)
        throw new Error(`received ${streamed.rows} rows of ${final.row_count} sent${final.truncated ? ', cut' : ''}`);
      return streamed;
    });
  }
  if (command.op === 'mcp two calls') {
    return drive(command.concurrency, command.durationMs, async () => {
      const client = next();
      const first = await client.callTool({ name: command.first, arguments: argsFor(command.args) });
      if (first.isError) throw new Error(JSON.stringify(first.content));
      const rows = (first.structuredContent as { rows: unknown[] }).rows;
      const second = await client.callTool({ name: command.second, arguments: { [command.pass]: rows } });
      if (second.isError) throw new Error(JSON.stringify(second.content));
    });
  }
  return drive(command.concurrency, command.durationMs, async () => {
    const client = next();
    if (command.method === 'tools/list') {
      // The whole catalog, every page, as clients list it. The server marks the list cacheable;
      // bypass the client's cache so every call is a round trip.
      await client.listTools(undefined, { cacheMode: 'bypass' });
      return;
    }
    if (command.method === 'tools/list page') {
      await client.request({ method: 'tools/list', params: {} });
      return;
    }
    const result = await client.callTool({ name: command.tool!, arguments: argsFor(command.args) });
    if (result.isError) throw new Error(JSON.stringify(result.content));
  });
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const command = JSON.parse(line) as Command;
  if (command.op === 'exit') break;
  try {
    process.stdout.write(`${JSON.stringify({ ok: true, measurement: await run(command) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: (error as Error).stack ?? String(error) })}\n`);
  }
}
for (const pool of clients.values()) await Promise.allSettled(pool.map((c) => c.close()));
await direct?.close();
process.exit(0);
