import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { LimitsSpec } from '../contract/spec.js';
import { StartupError, ToolFailure } from '../errors.js';
import { log } from '../log.js';
import { engineErrorCode } from '../tools/query-errors.js';
import {
  callerSettings,
  describeWith,
  type InsertRequest,
  insertTarget,
  pinnedInsertSettings,
  pinnedReadSettings,
  pinnedStreamSettings,
  pinnedWrittenSettings,
  type StreamRequest,
  type Row,
  type SelectRequest,
  type Source,
  type SourceHealth,
} from './source.js';

/** UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED: the server refused who mcpc says it is. */
const AUTHENTICATION_CODES = new Set(['192', '193', '194', '516']);

/** ClickHouse learned query parameters (`{name:Type}`, HTTP `param_name`) in 19.11.3.11. */
const MIN_VERSION = [19, 11] as const;

export interface RemoteOptions {
  name: string;
  url: string;
  username?: string;
  password?: string;
  database?: string;
  limits: LimitsSpec;
}

/**
 * A ClickHouse server over HTTP(S). Settings travel with every request (HTTP has no session),
 * so each read carries the pinned settings, with readonly=2: it forbids writes but lets the
 * request set its own limits. Aborted requests cancel their query on the server
 * (`cancel_http_readonly_queries_on_client_close`).
 *
 * A server too old to bind query parameters is refused: mcpc never splices a value into SQL,
 * so on such a server it could not run a single tool. So is one that refuses the credentials (it
 * answers, so waiting for it cannot help). An unreachable server is not refused:
 * the source starts degraded, reports itself down, and is verified on first use.
 */
export async function openRemoteSource(options: RemoteOptions): Promise<Source> {
  if (!URL.canParse(options.url) || !/^https?:$/.test(new URL(options.url).protocol)) {
    throw new StartupError(`source '${options.name}': url must be an http:// or https:// address of a ClickHouse server`);
  }
  const clientOptions = {
    url: options.url,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.database === undefined || options.database === '' ? {} : { database: options.database }),
    request_timeout: (options.limits.maxExecutionTimeS + 5) * 1000,
    log: { level: ClickHouseLogLevel.OFF },
  };
  const client = createClient(clientOptions);
  // Health probes use a client (and so connections) of their own, never waiting behind calls.
  const prober = createClient({ ...clientOptions, max_open_connections: 1 });
  // Inserts too, so a burst of writes never holds the connections reads wait for.
  const writer = createClient({ ...clientOptions, max_open_connections: 2 });
  // Streams too, with the stream's own time as the socket's idle timeout: a stream may run, and a slow
  // reader hold it, far longer than a query may take, and a server sends nothing while it fills its buffer.
  const streamers = new Map<number, ClickHouseClient>();
  const streamerFor = (timeoutS: number): ClickHouseClient => {
    let streamer = streamers.get(timeoutS);
    if (!streamer) {
      streamer = createClient({ ...clientOptions, request_timeout: (timeoutS + 5) * 1000 });
      streamers.set(timeoutS, streamer);
    }
    return streamer;
  };
  const where = redact(options.url);
  const settings = { ...pinnedReadSettings(options.limits), cancel_http_readonly_queries_on_client_close: 1 as const };
  let version: string | undefined;
  /** Whether the server knows `log_comment` (ClickHouse 20.12 and later); known once it is verified. */
  let logComment = false;

  /** Checks the server can bind parameters; refusals are final, unreachability is retried later. */
  const verify = async (): Promise<string> => {
    if (version !== undefined) return version;
    let found: string;
    try {
      found = await serverVersion(client);
    } catch (error) {
      // A server that answers but refuses the credentials is reachable: retrying will not mend it.
      if (AUTHENTICATION_CODES.has(engineErrorCode(error) ?? '')) {
        throw new StartupError(
          `source '${options.name}': ClickHouse at ${where} refused the credentials of user '${options.username ?? 'default'}': ${firstLine(error).replace(/[.\s]+$/, '')}; ` +
            "check the source's username and password",
        );
      }
      throw error;
    }
    if (!supportsQueryParameters(found)) {
      throw new StartupError(
        `source '${options.name}': ClickHouse at ${where} is version ${found}, which cannot bind query parameters ({name:Type}); ` +
          `mcpc binds every value server-side and never splices it into SQL, so it needs ClickHouse ${MIN_VERSION.join('.')} or later`,
      );
    }
    try {
      await client.query({ query: 'SELECT {probe:UInt8} AS probe', query_params: { probe: 1 }, format: 'JSONEachRow' }).then((r) => r.json());
    } catch (error) {
      throw new StartupError(`source '${options.name}': ClickHouse ${found} at ${where} refused a parameterized query: ${firstLine(error)}`);
    }
    version = found;
    logComment = atLeast(found, LOG_COMMENT_VERSION);
    log.info('source ready', { source: options.name, engine: 'remote', url: where, clickhouse: found });
    return found;
  };

  /**
   * The roles a query runs under, as the client's per-query `role` (the HTTP `role` parameter, once
   * per role): the server activates exactly those for the query. A server older than 24.4 does not
   * know the parameter (it would take it for an unknown setting): the call is refused, clearly.
   */
  const roleOption = (request: { roles?: readonly string[] }): { role?: string[] } => {
    if (request.roles === undefined || request.roles.length === 0) return {};
    if (version !== undefined && !atLeast(version, ROLE_VERSION)) {
      throw new ToolFailure(
        'SOURCE.REFUSED',
        `source '${options.name}': ClickHouse ${version} at ${where} cannot run a query under a role (the HTTP role parameter needs ClickHouse ${ROLE_VERSION.join('.')} or later)`,
      );
    }
    return { role: [...request.roles] };
  };

  /** Before a call: a refusal (a server too old) is the call's SOURCE.REFUSED; unreachability is its own error. */
  const usable = async (): Promise<void> => {
    try {
      await verify();
    } catch (error) {
      if (error instanceof StartupError) throw new ToolFailure('SOURCE.REFUSED', error.message);
      throw error;
    }
  };

  try {
    await verify();
  } catch (error) {
    if (error instanceof StartupError) {
      await Promise.allSettled([client.close(), prober.close(), writer.close()]);
      throw error;
    }
    log.warn('source unreachable at start; serving degraded until it answers', { source: options.name, url: where, error: firstLine(error) });
  }

  return {
    name: options.name,
    engine: 'remote',
    limits: options.limits,
    ...(options.database === undefined || options.database === '' ? {} : { database: options.database }),
    server: serverOf(options.url),
    async select(request: SelectRequest): Promise<Row[]> {
      await usable();
      const result = await client.query({
        query: request.sql,
        query_params: request.params,
        format: 'JSONEachRow',
        query_id: request.queryId,
        clickhouse_settings: { ...settings, ...callerSettings(request.caller, logComment, request.traceparent) },
        ...roleOption(request),
        ...(request.signal ? { abort_signal: request.signal } : {}),
      });
      return result.json<Row>();
    },
    async selectWritten(request: SelectRequest, limits: LimitsSpec): Promise<Row[]> {
      await usable();
      // Settings travel with the request, readonly=1 last (pinnedWrittenSettings ends with it): the
      // server applies them in order, and after it no setting can change.
      const result = await client.query({
        query: request.sql,
        format: 'JSONEachRow',
        query_id: request.queryId,
        clickhouse_settings: {
          cancel_http_readonly_queries_on_client_close: 1,
          ...callerSettings(request.caller, logComment, request.traceparent),
          ...pinnedWrittenSettings(limits),
        },
        ...roleOption(request),
        ...(request.signal ? { abort_signal: request.signal } : {}),
      });
      return result.json<Row>();
    },
    async *stream(request: StreamRequest): AsyncIterable<Row[]> {
      await usable();
      // Aborting the HTTP request ends a read-only query on the server
      // (cancel_http_readonly_queries_on_client_close); one that outlives it is killed by its id.
      const kill = () => {
        const timer = setTimeout(() => {
          void prober.command({ query: 'KILL QUERY WHERE query_id = {id:String} ASYNC', query_params: { id: request.queryId } }).catch(() => undefined);
        }, 500);
        timer.unref();
      };
      request.signal?.addEventListener('abort', kill, { once: true });
      try {
        const result = await streamerFor(request.timeoutS).query({
          query: request.sql,
          query_params: request.params,
          format: 'JSONEachRow',
          query_id: request.queryId,
          clickhouse_settings: {
            ...pinnedStreamSettings(options.limits, request.timeoutS),
            cancel_http_readonly_queries_on_client_close: 1,
            ...callerSettings(request.caller, logComment, request.traceparent),
          },
          ...roleOption(request),
          ...(request.signal ? { abort_signal: request.signal } : {}),
        });
        for await (const rows of result.stream<Row>()) yield rows.map((row) => row.json());
      } finally {
        request.signal?.removeEventListener('abort', kill);
      }
    },
    async insert(request: InsertRequest): Promise<void> {
      await usable();
      await writer.insert({
        table: insertTarget(request.table),
        values: [...request.rows],
        format: 'JSONEachRow',
        query_id: request.queryId,
        clickhouse_settings: { ...pinnedInsertSettings(options.limits, request.token), ...callerSettings(request.caller, logComment, request.traceparent) },
        ...roleOption(request),
        ...(request.signal ? { abort_signal: request.signal } : {}),
      });
    },
    describeTable: (database, table) => describeWith(client, database, table, settings),
    async health(): Promise<SourceHealth> {
      const started = performance.now();
      try {
        const found = await verify();
        await prober.query({ query: 'SELECT 1', format: 'JSONEachRow', clickhouse_settings: { max_execution_time: 2 } }).then((r) => r.json());
        return { status: 'ok', engine: 'remote', version: found, latency_ms: Math.round((performance.now() - started) * 100) / 100 };
      } catch (error) {
        return { status: 'down', engine: 'remote', error: firstLine(error) };
      }
    },
    close: async () => {
      await Promise.allSettled([client, prober, writer, ...streamers.values()].map((c) => c.close()));
    },
  };
}

/** `SELECT version()` with no settings and no parameters, so even a very old server answers. */
async function serverVersion(client: ClickHouseClient): Promise<string> {
  const rows = await (await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })).json<{ version: string }>();
  return rows[0]?.version ?? 'unknown';
}

function supportsQueryParameters(version: string): boolean {
  return atLeast(version, MIN_VERSION);
}

/** The first version with the `log_comment` setting; an older server would refuse a query that sets it. */
const LOG_COMMENT_VERSION = [20, 12] as const;

/** The first version whose HTTP interface takes `role` (ClickHouse/ClickHouse#62669). */
const ROLE_VERSION = [24, 4] as const;

function atLeast(version: string, [wantMajor, wantMinor]: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** The host and port of a server URL (the port its scheme implies when the URL has none). */
function serverOf(url: string): { address: string; port: number } {
  const parsed = new URL(url);
  return { address: parsed.hostname, port: parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port) };
}

/** The URL without credentials, for messages and logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
