import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { StartupError } from '../errors.js';
import type { LimitsSpec } from '../contract/spec.js';
import { log } from '../log.js';
import { describeHolder } from './data-dir-holder.js';
import { detachStdin } from './engine-stdin.js';
import { EmbeddedStreams } from './embedded-streams.js';
import { seedDatabase } from './seed.js';
import { quoteIdentifier, quoteString } from '../contract/sql-text.js';
import {
  describeWith,
  type InsertRequest,
  insertTarget,
  logComment,
  markedSql,
  pinnedInsertSettings,
  pinnedReadSettings,
  pinnedStreamSettings,
  pinnedWrittenSettings,
  setStatements,
  type Row,
  type SelectRequest,
  type Source,
  type SourceHealth,
} from './source.js';

/**
 * chdb declares its connection against its own copy of @clickhouse/client-common, which
 * TypeScript sees as a different type from the client's; at run time they are the same contract.
 */
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** Read connections of an embedded source: each runs one query at a time. */
const READERS = 4;

export interface EmbeddedOptions {
  name: string;
  path: string;
  database?: string;
  limits: LimitsSpec;
  /** Longest a stream's query may run. */
  streamTimeoutS: number;
  /** Seed SQL run once when the database has no tables; `file` is the user's, for messages. */
  seed?: { file: string; sql: string };
  /** Drop every table of the database and seed again (`--reseed`; only with a seed). */
  reseed?: boolean;
}

/**
 * In-process ClickHouse (chDB) through the same client API as a remote server. Two facts of
 * chDB shape this: settings sent with a query stay in force on that connection, and a text with
 * several statements runs them all. So reads and writes use separate connections, and the read
 * connection's limits are set once, at creation, ending with readonly=2: no query on it can
 * write or lower readonly, and the only SQL it runs is declared SQL proven at build time to be
 * one SELECT without a SETTINGS clause, so the limits stay as set. (readonly=1 would also lock
 * the settings, but it refuses the `format()` table function declared tools use to read JSON
 * arguments as rows.) Reads use a few connections, so independent calls run at once; another
 * answers health probes and kills cancelled queries, which must not queue behind reads.
 */
export async function openEmbeddedSource(options: EmbeddedOptions): Promise<Source> {
  const path = resolve(options.path);
  mkdirSync(path, { recursive: true });
  // The engine reads fd 0 for INSERTs: nothing on it may ever reach the database.
  detachStdin();
  const { createChdbConnection } = await import('chdb/connection');
  const open = () => createClient({ connection: createChdbConnection({ path }) as unknown as ClientConnection });
  let writer: ClickHouseClient;
  let readers: ClickHouseClient[];
  let prober: ClickHouseClient;
  try {
    writer = open();
    // A connection runs one query at a time, so reads get a few: independent calls (and the
    // independent steps of a pipeline) run at once in the engine.
    readers = Array.from({ length: READERS }, open);
    // Health probes and cancellations have a session of their own, never waiting behind the reads.
    prober = open();
  } catch (error) {
    const holder = describeHolder(path);
    if (holder !== undefined) throw new StartupError(`source '${options.name}': cannot open the embedded database at ${path}: ${holder}`);
    throw new StartupError(`source '${options.name}': cannot open the embedded database at ${path}: ${(error as Error).message}`);
  }
  try {
    if (options.database !== undefined && options.database !== '' && options.database !== 'default') {
      const quoted = quoteIdentifier(options.database);
      await writer.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoted}` });
      await writer.command({ query: `USE ${quoted}` });
      for (const client of [...readers, prober]) await client.command({ query: `USE ${quoted}` });
    }
    if (options.seed) {
      await seedDatabase(writer, {
        source: options.name,
        dataDir: path,
        database: options.database || 'default',
        seed: options.seed,
        reseed: options.reseed ?? false,
      });
    }
    const settings = {
      ...pinnedReadSettings(options.limits),
      // The engine's query condition cache keeps an entry per distinct filter value, up to 100 MiB.
      // Inside an MCP server, whose point lookups rarely repeat a value, it grew resident memory by
      // about 0.35 KiB per query (18% in a one-minute soak) and hardly ever hit; memory stays flat
      // without it. A ClickHouse server's own caches remain its operator's choice.
      use_query_condition_cache: 0 as const,
    };
    // readonly goes last, after the limits it must not be used to change.
    for (const statement of setStatements(settings)) {
      for (const reader of readers) await reader.command({ query: statement });
    }
  } catch (error) {
    await Promise.allSettled([writer, ...readers, prober].map((client) => client.close()));
    if (error instanceof StartupError) throw error;
    throw new StartupError(`source '${options.name}': cannot prepare the embedded database at ${path}: ${(error as Error).message}`);
  }
  const version = await prober
    .query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })
    .then((r) => r.json<{ version: string }>())
    .then((rows) => rows[0]?.version ?? 'unknown');
  log.info('source ready', { source: options.name, engine: 'embedded', path, clickhouse: version });
  /** Queries running on each reader. */
  const busy = readers.map(() => 0);
  /** Connections of SQL written by agents, by the limits pinned on them. */
  const written = new Map<string, Promise<ClickHouseClient>>();
  const { Session } = await import('chdb');
  const streams = new EmbeddedStreams(
    async () => {
      const session = new Session(path);
      if (options.database !== undefined && options.database !== '' && options.database !== 'default')
        session.query(`USE ${quoteIdentifier(options.database)}`);
      for (const statement of setStatements({ ...pinnedStreamSettings(options.limits, options.streamTimeoutS), use_query_condition_cache: 0 }))
        session.query(statement);
      return session;
    },
    (mark) => killMarked(prober, mark),
  );

  return {
    name: options.name,
    engine: 'embedded',
    limits: options.limits,
    ...(options.database === undefined || options.database === '' ? {} : { database: options.database }),
    async select(request: SelectRequest): Promise<Row[]> {
      const index = busy.indexOf(Math.min(...busy));
      busy[index]!++;
      try {
        return await selectOn(readers[index]!, prober, request);
      } finally {
        busy[index]!--;
      }
    },
    async selectWritten(request: SelectRequest, limits: LimitsSpec): Promise<Row[]> {
      // One connection per set of limits, pinned when it opens and locked by readonly=1: SQL an
      // agent writes never runs where declared SQL does, and cannot change what it runs under.
      const key = JSON.stringify(limits);
      let connection = written.get(key);
      if (!connection) {
        connection = (async () => {
          const client = open();
          if (options.database !== undefined && options.database !== '' && options.database !== 'default')
            await client.command({ query: `USE ${quoteIdentifier(options.database)}` });
          for (const statement of setStatements({ ...pinnedWrittenSettings(limits), use_query_condition_cache: 0 })) await client.command({ query: statement });
          return client;
        })();
        written.set(key, connection);
        connection.catch(() => written.delete(key));
      }
      return selectOn(await connection, prober, request, true);
    },
    stream: (request) => streams.stream(request),
    async insert(request: InsertRequest): Promise<void> {
      if (request.signal?.aborted) throw request.signal.reason;
      // The writer keeps what a query's settings set (chDB sends them as `SET ...;` first), so the
      // insert's settings go in its own SETTINGS clause, for this statement only. The rows follow
      // FORMAT as data, never as SQL; an insert that has started runs to its end (its token makes
      // a retry harmless). JSONEachRow also reads the rows as one JSON array, which one
      // JSON.stringify writes in a third of the time of a text per row (10,000 rows: 3 ms, not 10).
      const traced = request.traceparent === undefined ? {} : { log_comment: logComment(request.caller, request.traceparent) };
      const settings = Object.entries({ ...pinnedInsertSettings(options.limits, request.token), ...traced })
        .map(([key, value]) => `${key} = ${typeof value === 'number' || /^[0-9]+$/.test(String(value)) ? String(value) : quoteString(String(value))}`)
        .join(', ');
      await writer.exec({
        query: `INSERT INTO ${insertTarget(request.table)} SETTINGS ${settings} FORMAT JSONEachRow`,
        values: Readable.from([JSON.stringify(request.rows)]),
        query_id: request.queryId,
      });
    },
    describeTable: (database, table) => describeWith(prober, database, table),
    async health(): Promise<SourceHealth> {
      const started = performance.now();
      try {
        await prober.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
        return { status: 'ok', engine: 'embedded', version, latency_ms: round(performance.now() - started) };
      } catch (error) {
        return { status: 'down', engine: 'embedded', error: (error as Error).message };
      }
    },
    async close(): Promise<void> {
      streams.close();
      const agents = await Promise.allSettled(written.values());
      await Promise.allSettled(
        [writer, ...readers, prober, ...agents.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))].map((client) => client.close()),
      );
    },
  };
}

/**
 * Runs a read on one connection. chDB does not take a query id from the client: the query is
 * marked with a leading comment naming its request, and a cancelled call kills it by that mark;
 * the call then ends when the engine has stopped it. (Per-query settings would not do: the chDB
 * adapter sends them as `SET ...;` statements before the query, a multi-statement text that a
 * kill does not end.)
 */
async function selectOn(client: ClickHouseClient, prober: ClickHouseClient, request: SelectRequest, settingsLocked = false): Promise<Row[]> {
  const { mark, text } = markedSql(request, settingsLocked);
  if (request.signal?.aborted) throw request.signal.reason;
  const kill = () => void killMarked(prober, mark);
  request.signal?.addEventListener('abort', kill, { once: true });
  try {
    const result = await client.query({
      query: text,
      query_params: request.params,
      format: 'JSONEachRow',
      query_id: request.queryId,
      // No abort_signal: chDB would return early and leave the query running (killed slowly,
      // seconds later). The kill below stops it, and the call then ends as cancelled.
    });
    return await result.json<Row>();
  } finally {
    request.signal?.removeEventListener('abort', kill);
  }
}

/**
 * Stops the engine's query marked `mark`, killing it again until it has left the engine. A query
 * cancelled just as it is handed to the engine is not in `system.processes` yet, and one killed
 * before its execution really started can miss that first kill (seen with chDB 3.4), so a single
 * kill is not enough. Gives up after a few seconds: the query's own time limit ends it anyway.
 */
async function killMarked(prober: ClickHouseClient, mark: string): Promise<void> {
  const elapsed = async (): Promise<number | undefined> => {
    const rows = await (
      await prober.query({
        query: 'SELECT max(elapsed) AS e, count() AS n FROM system.processes WHERE startsWith(query, {mark:String})',
        query_params: { mark },
        format: 'JSONEachRow',
      })
    ).json<{ e: number; n: string }>();
    return rows[0]?.n === '0' ? undefined : rows[0]?.e;
  };
  try {
    let seen = false;
    for (let attempt = 0; attempt < 100; attempt++) {
      const running = await elapsed();
      if (running === undefined) {
        // Gone after having run, or never there after a second: it finished before it could be killed.
        if (seen || attempt >= 20) return;
      } else {
        seen = true;
        // A kill that arrives as the engine is still setting the query up is lost (seen with chDB
        // 3.4: flagged cancelled, it runs on to its time limit), so kill once it really runs.
        if (running >= 0.05) await prober.command({ query: 'KILL QUERY WHERE startsWith(query, {mark:String}) ASYNC', query_params: { mark } });
      }
      await sleep(50);
    }
  } catch {
    // the source is closing; its queries end with it
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resume) => setTimeout(resume, ms));
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
