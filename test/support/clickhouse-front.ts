// TEST DOUBLE, NEVER SHIPPED. A ClickHouse-compatible HTTP front over embedded chDB, so the
// remote source (runtime/sources/remote.ts, @clickhouse/client over HTTP) can be tested against
// a current engine: no ClickHouse server newer than 18.16 installs here. It lives in test/
// (outside tsconfig.build.json, so never in the published dist/runtime) and runs as a process of
// its own (clickhouse-front-main.ts), which tests kill and restart to inject faults.
//
// What it speaks, as the real server's HTTP interface does (and as far as @clickhouse/client 1.x
// uses it):
// - `POST /` (and `GET /`, read-only as on the server: readonly=2 unless set) with the query in
//   the body, in the `query` URL parameter, or its head in `query` and the rest (INSERT data) in
//   the body; `param_<name>` values, passed to the engine's binder verbatim (the text the client
//   wrote, parsed by the declared type as the server parses it); `database`; `default_format`;
//   `query_id` (a query id already running is refused with code 216, as on the server);
//   `quota_key` (accepted, not enforced); every other parameter is a setting, applied in URL order
//   with `readonly` last (the server checks a request's settings together before applying them).
// - Credentials as Basic auth, `X-ClickHouse-User`/`X-ClickHouse-Key` or `user`/`password`.
// - `GET /ping` answers `Ok.`.
// - Errors as the server sends them: the status code of its exceptionCodeToHTTPStatus table,
//   `X-ClickHouse-Exception-Code`, and the body `Code: N. DB::Exception: ... (NAME) (version V)`.
//   An error after the response has started (a stream) ends the body with the exception block
//   ClickHouse 25.11+ writes under `X-ClickHouse-Exception-Tag`, which the client turns into an error.
// - `X-ClickHouse-Query-Id`, `X-ClickHouse-Format`, `X-ClickHouse-Timezone` and
//   `X-ClickHouse-Summary` (rows and bytes as far as chDB reports them).
// - Output streamed as the engine produces it: up to `buffer_size` bytes (1 MiB by default) are
//   held so an early error still gets its status code, then every block is written as it comes,
//   the engine pausing while the client does not read. A client that goes away (or a KILL QUERY)
//   stops a streamed query at its next block; a query answered whole (DDL, INSERT, DESCRIBE) runs
//   to its end. Parameterized queries start one at a time (see clickhouse-front-engine.ts).
// - `role` (once per role, ClickHouse 24.4+): accepted and recorded, not enforced (chDB has no
//   users or roles); GET /__front/roles lists, per query received, its query id, the roles it
//   carried and the head of its SQL, so tests see which roles each query would run under.
// What it refuses, clearly (code 48, NOT_IMPLEMENTED): compression (`enable_http_compression=1`,
// `compress`/`decompress`, a request `Content-Encoding`), sessions (`session_id`), multipart
// parameters. `KILL QUERY WHERE query_id = ...` (a literal or a String parameter) is answered by
// the front itself, since chDB names its queries with ids of its own.
//
// Fault hooks (POST /__front/fault, JSON; loopback tests only): `exit_on_query` (the process
// kills itself as a query containing the text arrives: the caller waits on a query that will never
// answer) and `exit_mid_response` (it kills itself once `after_bytes` of the body of such a
// query's response have been written: the caller holds half a response). GET /__front/stats says
// how many queries it ran and how many are running.

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type ChdbNative, type ChdbSession, ParamChain, SessionPool } from './clickhouse-front-engine.js';
import {
  AUTHENTICATION_FAILED,
  exceptionText,
  FrontError,
  NOT_IMPLEMENTED,
  QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING,
  sendError,
  summary,
} from './clickhouse-front-errors.js';

export interface FrontOptions {
  /** The engine's data directory (one per process). */
  dataDir: string;
  user: string;
  password: string;
  /** SQL run when the `default` database has no tables (chDB runs every statement of one text). */
  seed?: string;
}

interface FaultSpec {
  /** Kill the process as a query whose text contains this arrives. */
  exit_on_query?: string;
  /** Kill the process once `after_bytes` of the response body to a query containing `query` are written. */
  exit_mid_response?: { query: string; after_bytes: number };
}

/** Parameters of the HTTP interface that are not settings. */
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'user',
  'password',
  'quota_key',
  'role',
  'buffer_size',
  'wait_end_of_query',
  'stacktrace',
]);
/** Parameters that need what the front does not do: refused with NOT_IMPLEMENTED rather than ignored. */
const UNSUPPORTED = new Map([
  ['session_id', 'sessions'],
  ['session_timeout', 'sessions'],
  ['session_check', 'sessions'],
  ['compress', 'compressed responses'],
  ['decompress', 'compressed requests'],
]);

const DEFAULT_BUFFER_BYTES = 1024 * 1024;

/** A query the front is running, by the client's query id. */
interface Running {
  cancel(): void;
}

export interface ClickHouseFront {
  server: Server;
  version: string;
  close(): Promise<void>;
}

/** Opens the engine on `dataDir` and returns an HTTP server (not yet listening) that speaks ClickHouse's HTTP interface over it. */
export async function createClickHouseFront(options: FrontOptions): Promise<ClickHouseFront> {
  const require = createRequire(import.meta.url);
  const chdb = require('chdb') as { Session: new (path: string) => ChdbSession };
  const native = (require(join(dirname(require.resolve('chdb')), 'dist', 'loader.js')) as { loadNative(): ChdbNative }).loadNative();
  const pool = new SessionPool(() => new chdb.Session(options.dataDir));
  const version = (() => {
    const probe = pool.open();
    try {
      const tables = JSON.parse(probe.query("SELECT count() AS n FROM system.tables WHERE database = 'default'", 'JSONEachRow')) as { n: number | string };
      if (options.seed !== undefined && Number(tables.n) === 0) probe.query(options.seed);
      return (JSON.parse(probe.query('SELECT version() AS v', 'JSONEachRow')) as { v: string }).v;
    } finally {
      probe.close();
    }
  })();
  const params = new ParamChain();
  const running = new Map<string, Running>();
  const fault: FaultSpec = {};
  let started = 0;
  /** Per query received (after authentication), the roles it carried: for GET /__front/roles. */
  const roleLog: Array<{ query_id: string; roles: string[]; query: string }> = [];

  const server = createServer({ maxHeaderSize: 1024 * 1024 }, (request, response) => {
    const url = new URL(request.url ?? '/', 'http://front');
    if (url.pathname === '/ping' || (url.pathname === '/' && request.method === 'GET' && !url.searchParams.has('query'))) {
      response.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname === '/__front/fault' && request.method === 'POST') {
      void readBody(request).then((body) => {
        Object.assign(fault, JSON.parse(body.toString('utf8') || '{}') as FaultSpec);
        response.writeHead(200).end('{}');
      });
      return;
    }
    if (url.pathname === '/__front/roles') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(roleLog));
      return;
    }
    if (url.pathname === '/__front/stats') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ started, running: running.size }));
      return;
    }
    if (url.pathname !== '/') {
      sendError(
        response,
        '',
        new FrontError(NOT_IMPLEMENTED, 'NOT_IMPLEMENTED', `There is no handle ${url.pathname}: the test front serves / and /ping`),
        version,
      );
      return;
    }
    const queryId = url.searchParams.get('query_id') || randomUUID();
    void handleQuery(request, response, url, queryId).catch((error: unknown) => sendError(response, queryId, error, version));
  });

  // Above the client's idle-socket TTL (2.5 s), as the server's keep_alive_timeout is, so the client never reuses a socket the front has just closed.
  server.keepAliveTimeout = 10_000;

  async function handleQuery(request: IncomingMessage, response: ServerResponse, url: URL, queryId: string): Promise<void> {
    authenticate(request, url, options);
    for (const [name, what] of UNSUPPORTED) {
      if (url.searchParams.has(name)) throw new FrontError(NOT_IMPLEMENTED, 'NOT_IMPLEMENTED', `the test front does not support ${what} (parameter '${name}')`);
    }
    if (url.searchParams.get('enable_http_compression') === '1') {
      throw new FrontError(NOT_IMPLEMENTED, 'NOT_IMPLEMENTED', 'the test front does not compress responses: create the client with compression.response off');
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      throw new FrontError(
        NOT_IMPLEMENTED,
        'NOT_IMPLEMENTED',
        `the test front does not decompress requests (Content-Encoding: ${encoding}): create the client with compression.request off`,
      );
    }
    if ((request.headers['content-type'] ?? '').startsWith('multipart/')) {
      throw new FrontError(NOT_IMPLEMENTED, 'NOT_IMPLEMENTED', 'the test front does not read multipart parameters: leave use_multipart_params off');
    }
    const body = await readBody(request);
    const head = url.searchParams.get('query');
    const sql = head === null ? body.toString('utf8') : body.length > 0 ? `${head}\n${body.toString('utf8')}` : head;
    if (sql.trim() === '') throw new FrontError(62, 'SYNTAX_ERROR', 'Empty query');
    if (roleLog.length >= 10_000) roleLog.shift();
    roleLog.push({ query_id: queryId, roles: url.searchParams.getAll('role'), query: sql.slice(0, 200) });
    const bound: Record<string, string> = {};
    const settings: Array<[string, string]> = [];
    for (const [name, value] of url.searchParams) {
      if (name.startsWith('param_')) bound[name.slice('param_'.length)] = value;
      else if (!RESERVED.has(name)) settings.push([name, value]);
    }
    // A GET is read-only on the server: readonly=2 unless the request sets it.
    if (request.method === 'GET' && !settings.some(([name, value]) => name === 'readonly' && value !== '0')) settings.push(['readonly', '2']);
    if (running.has(queryId)) {
      throw new FrontError(QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING, 'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING', `Query with id = ${queryId} is already running`);
    }
    if (fault.exit_on_query !== undefined && sql.includes(fault.exit_on_query)) process.kill(process.pid, 'SIGKILL');
    const dieAfter = fault.exit_mid_response && sql.includes(fault.exit_mid_response.query) ? fault.exit_mid_response.after_bytes : undefined;

    const kill = /^\s*KILL\s+QUERY\s+WHERE\s+query_id\s*=\s*(?:\{(\w+)\s*:\s*String\}|'([^'\\]*)')\s*(?:ASYNC|SYNC)?\s*;?\s*$/i.exec(sql);
    if (kill) {
      const id = kill[1] !== undefined ? bound[kill[1]] : kill[2];
      const target = id === undefined ? undefined : running.get(id);
      target?.cancel();
      writeHeaders(response, 200, queryId, 'TabSeparated', summary(0, 0));
      response.end();
      return;
    }

    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    const key = JSON.stringify([url.searchParams.get('database') ?? 'default', orderSettings(settings)]);
    const session = await pool.acquire(key, (fresh) => prepare(fresh, url.searchParams.get('database'), orderSettings(settings)));
    started++;
    let cancelled = false;
    let stream: unknown;
    let fetching: Promise<unknown> | undefined;
    let closing: Promise<void> | undefined;
    /** Ends the engine's stream once, never under a fetch in flight (its handle would go from under it). */
    const closeStream = (): Promise<void> =>
      (closing ??= (async () => {
        const handle = stream;
        if (handle === undefined) return;
        await fetching?.catch(() => undefined);
        native.StreamCancel(handle);
      })());
    // A buffered query runs to its end (or its max_execution_time); a stream stops at its next block.
    const cancel = () => {
      cancelled = true;
      void closeStream();
    };
    running.set(queryId, { cancel });
    // The server cancels a read-only query whose client goes away (cancel_http_readonly_queries_on_client_close),
    // and any query whose output cannot be written.
    response.once('close', () => {
      if (!response.writableFinished) cancel();
    });
    try {
      const hasParams = Object.keys(bound).length > 0;
      try {
        stream = await params.run(hasParams, async () =>
          hasParams ? native.StreamQuery(session.connection, sql, format, bound) : native.StreamQuery(session.connection, sql, format),
        );
      } catch (error) {
        // chDB streams SELECTs only: DDL, INSERT, DESCRIBE, SET and the like run buffered.
        if (!/Streaming query is not supported/.test(String((error as Error).message))) throw error;
      }
      if (stream === undefined) {
        const result = await params.run(hasParams, () =>
          hasParams ? native.QueryAsyncConnection(session.connection, sql, format, bound) : native.QueryAsyncConnection(session.connection, sql, format),
        );
        const written = /^\s*INSERT\b/i.test(sql) ? result.rowsRead : 0;
        writeHeaders(response, 200, queryId, format, summary(result.rowsRead, result.bytesRead, written, result.elapsed));
        await writeBody(response, Buffer.from(result.bytes), dieAfter);
        response.end();
        return;
      }
      const limit = Number(url.searchParams.get('buffer_size') ?? DEFAULT_BUFFER_BYTES);
      const held: Buffer[] = [];
      let heldBytes = 0;
      let rows = 0;
      let sent = 0;
      let tag: string | undefined;
      try {
        for (;;) {
          if (cancelled) return;
          fetching = native.StreamFetch(stream);
          const chunk = await (fetching as ReturnType<ChdbNative['StreamFetch']>);
          if (chunk.done) break;
          rows += chunk.numRows;
          const bytes = Buffer.from(chunk.bytes);
          if (tag === undefined) {
            held.push(bytes);
            heldBytes += bytes.length;
            if (heldBytes < limit) continue;
            tag = randomBytes(8).toString('hex');
            writeHeaders(response, 200, queryId, format, summary(0, 0), tag);
            sent = await writeBody(response, Buffer.concat(held), dieAfter, sent);
            held.length = 0;
          } else {
            sent = await writeBody(response, bytes, dieAfter, sent);
          }
        }
      } catch (error) {
        if (tag === undefined || cancelled) throw error;
        // Headers and rows have left: the error goes at the end of the body, as ClickHouse 25.11+ writes it.
        const message = `${exceptionText(error, version)}\n`;
        response.end(`\r\n__exception__\r\n${tag}\n${message}${Buffer.byteLength(message)} ${tag}\r\n__exception__\r\n`);
        return;
      }
      if (tag === undefined) {
        const all = Buffer.concat(held);
        writeHeaders(response, 200, queryId, format, summary(0, 0, 0, 0, rows, all.length));
        await writeBody(response, all, dieAfter);
      }
      response.end();
    } finally {
      // The session goes back once nothing of this query runs on it.
      void closeStream().finally(() => {
        running.delete(queryId);
        pool.release(key, session);
      });
    }
  }

  /** A fresh session: the request's database and settings, readonly last. */
  function prepare(session: ChdbSession, database: string | null, settings: Array<[string, string]>): void {
    if (database !== null && database !== '' && database !== 'default') session.query(`USE ${quoteIdentifier(database)}`);
    for (const [name, value] of settings) {
      if (!/^\w+$/.test(name)) throw new FrontError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
      session.query(`SET ${name} = ${/^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`}`);
    }
  }

  return {
    server,
    version,
    close: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      pool.closeAll();
    },
  };
}

/** Settings in request order, readonly last: once set, it would refuse the settings after it. */
function orderSettings(settings: Array<[string, string]>): Array<[string, string]> {
  return [...settings.filter(([name]) => name !== 'readonly'), ...settings.filter(([name]) => name === 'readonly').slice(-1)];
}

function authenticate(request: IncomingMessage, url: URL, options: FrontOptions): void {
  let user = request.headers['x-clickhouse-user'] as string | undefined;
  let password = request.headers['x-clickhouse-key'] as string | undefined;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    user ??= decoded.slice(0, colon < 0 ? undefined : colon);
    password ??= colon < 0 ? '' : decoded.slice(colon + 1);
  }
  user ??= url.searchParams.get('user') ?? 'default';
  password ??= url.searchParams.get('password') ?? '';
  if (user !== options.user || password !== options.password) {
    throw new FrontError(
      AUTHENTICATION_FAILED,
      'AUTHENTICATION_FAILED',
      `${user}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function writeHeaders(response: ServerResponse, status: number, queryId: string, format: string, summaryJson: string, tag?: string): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=UTF-8',
    'x-clickhouse-server-display-name': 'mcpc-test-front',
    'x-clickhouse-query-id': queryId,
    'x-clickhouse-format': format,
    'x-clickhouse-timezone': 'UTC',
    'x-clickhouse-summary': summaryJson,
    ...(tag === undefined ? {} : { 'x-clickhouse-exception-tag': tag }),
    'keep-alive': 'timeout=10',
  });
}

/**
 * Writes part of a body and waits until the socket has taken it (the engine's next block waits
 * for a client that does not read). With a fault armed, the process dies once `after` bytes are out.
 */
async function writeBody(response: ServerResponse, bytes: Buffer, dieAfter: number | undefined, before = 0): Promise<number> {
  if (dieAfter !== undefined && before + bytes.length >= dieAfter) {
    const cut = Math.max(0, dieAfter - before);
    await new Promise<void>((done) => response.write(bytes.subarray(0, cut), () => done()));
    process.kill(process.pid, 'SIGKILL');
  }
  if (!response.write(bytes)) {
    await new Promise<void>((done) => {
      const go = () => {
        response.off('drain', go);
        response.off('close', go);
        done();
      };
      response.on('drain', go);
      response.on('close', go);
    });
  }
  return before + bytes.length;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
