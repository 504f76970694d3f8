import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { StartupError } from '../errors.js';
import type { LimitsSpec } from '../contract/spec.js';
import { log } from '../log.js';
import { describeHolder } from './data-dir-holder.js';
import { detachStdin } from './engine-stdin.js';
import { seedDatabase } from './seed.js';
import { describeWith, pinnedReadSettings, type Row, type SelectRequest, type Source, type SourceHealth } from './source.js';

/**
 * chdb declares its connection against its own copy of @clickhouse/client-common, which
 * TypeScript sees as a different type from the client's; at run time they are the same contract.
 */
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface EmbeddedOptions {
  name: string;
  path: string;
  database?: string;
  limits: LimitsSpec;
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
 * arguments as rows.) A third connection answers health probes, which must not queue behind calls.
 */
export async function openEmbeddedSource(options: EmbeddedOptions): Promise<Source> {
  const path = resolve(options.path);
  mkdirSync(path, { recursive: true });
  // The engine reads fd 0 for INSERTs: nothing on it may ever reach the database.
  detachStdin();
  const { createChdbConnection } = await import('chdb/connection');
  let writer: ClickHouseClient;
  let reader: ClickHouseClient;
  let prober: ClickHouseClient;
  try {
    writer = createClient({ connection: createChdbConnection({ path }) as unknown as ClientConnection });
    reader = createClient({ connection: createChdbConnection({ path }) as unknown as ClientConnection });
    // Health probes have a session of their own: one on the reader would wait behind the running calls.
    prober = createClient({ connection: createChdbConnection({ path }) as unknown as ClientConnection });
  } catch (error) {
    const holder = describeHolder(path);
    if (holder !== undefined) throw new StartupError(`source '${options.name}': cannot open the embedded database at ${path}: ${holder}`);
    throw new StartupError(`source '${options.name}': cannot open the embedded database at ${path}: ${(error as Error).message}`);
  }
  try {
    if (options.database !== undefined && options.database !== '' && options.database !== 'default') {
      const quoted = `\`${options.database.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
      await writer.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoted}` });
      await writer.command({ query: `USE ${quoted}` });
      await reader.command({ query: `USE ${quoted}` });
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
    for (const [key, value] of Object.entries(settings).sort(([a], [b]) => (a === 'readonly' ? 1 : b === 'readonly' ? -1 : 0))) {
      const literal = typeof value === 'number' || /^[0-9]+$/.test(String(value)) ? String(value) : `'${String(value)}'`;
      await reader.command({ query: `SET ${key} = ${literal}` });
    }
  } catch (error) {
    await Promise.allSettled([writer.close(), reader.close(), prober.close()]);
    if (error instanceof StartupError) throw error;
    throw new StartupError(`source '${options.name}': cannot prepare the embedded database at ${path}: ${(error as Error).message}`);
  }
  const version = await reader
    .query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })
    .then((r) => r.json<{ version: string }>())
    .then((rows) => rows[0]?.version ?? 'unknown');
  log.info('source ready', { source: options.name, engine: 'embedded', path, clickhouse: version });

  return {
    name: options.name,
    engine: 'embedded',
    limits: options.limits,
    async select(request: SelectRequest): Promise<Row[]> {
      const result = await reader.query({
        query: request.sql,
        query_params: request.params,
        format: 'JSONEachRow',
        query_id: request.queryId,
        ...(request.signal ? { abort_signal: request.signal } : {}),
      });
      return result.json<Row>();
    },
    describeTable: (database, table) => describeWith(reader, database, table),
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
      await Promise.allSettled([reader.close(), writer.close(), prober.close()]);
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
