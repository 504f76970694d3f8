import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Session } from 'chdb';
import { TOOL_OUTPUT_SETTINGS } from '../../runtime/contract/clickhouse-json.js';
import { STREAM_BLOCK_SETTINGS, setStatements } from '../../runtime/sources/source.js';
import { benchRoot } from '../paths.js';

/** How mcpc's streams read: its JSON output settings (so both sides read the same bytes) and its block size (so the first rows are the same block). */
const STREAM_SETTINGS = { ...TOOL_OUTPUT_SETTINGS, ...STREAM_BLOCK_SETTINGS };

/** The direct client, and the engine's own way to stream a query's rows (B4's baseline). */
export interface Direct {
  client: ClickHouseClient;
  /** The rows of `sql` with its `params` bound, as they come from the engine, a block at a time, parsed from JSONEachRow read as mcpc's streams read it. */
  stream(sql: string, params: Record<string, unknown>): AsyncIterable<unknown[]>;
  close(): Promise<void>;
}

/**
 * The data floor: `@clickhouse/client` on the same engine and data as the servers, with no MCP in
 * between. On embedded ClickHouse it opens its own chDB data directory (one engine per process)
 * and loads the same seed; with CLICKHOUSE_URL it reads the server the servers read. Streams go
 * through the client's result stream on a server; on embedded ClickHouse through a chDB `Session`
 * on the same directory, whose `queryStreamBind` is what mcpc's embedded source streams with.
 */
export async function openDirect(): Promise<Direct> {
  const url = process.env.CLICKHOUSE_URL;
  if (url) {
    const client = createClient({ url, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '' });
    return {
      client,
      async *stream(sql, params) {
        const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: STREAM_SETTINGS });
        for await (const rows of result.stream()) yield rows.map((row) => row.json());
      },
      close: () => client.close(),
    };
  }
  const { createChdbConnection } = await import('chdb/connection');
  const path = mkdtempSync(join(tmpdir(), 'mcpc-bench-direct-'));
  // chdb types its connection against its own copy of client-common; at run time it is the same contract.
  const client = createClient({
    connection: createChdbConnection({ path }) as unknown as NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>,
  });
  await client.command({ query: readFileSync(join(benchRoot, 'pipelines', 'seed.sql'), 'utf8') });
  let session: Session | undefined;
  return {
    client,
    async *stream(sql, params) {
      if (!session) {
        const { Session } = await import('chdb');
        session = new Session(path);
        for (const statement of setStatements(STREAM_SETTINGS)) session.query(statement);
      }
      for await (const chunk of session.queryStreamBind(sql, params, { format: 'JSONEachRow' })) yield chunk.rows();
    },
    async close() {
      session?.close();
      await client.close();
    },
  };
}

/** The direct client alone, for the baseline servers. */
export async function openDirectClient(): Promise<ClickHouseClient> {
  return (await openDirect()).client;
}

/**
 * With CLICKHOUSE_URL, creates the benchmark tables on that server and loads each table's rows
 * once (when the table is empty). Over HTTP a request holds one statement, so the seed runs
 * statement by statement.
 */
export async function seedRemote(): Promise<void> {
  if (!process.env.CLICKHOUSE_URL) return;
  const client = await openDirectClient();
  try {
    const statements = readFileSync(join(benchRoot, 'pipelines', 'seed.sql'), 'utf8')
      .split(/;\s*$/m)
      .map((statement) => statement.replace(/^--.*$/gm, '').trim())
      .filter((statement) => statement !== '');
    for (const statement of statements.filter((s) => !s.startsWith('INSERT'))) await client.command({ query: statement });
    for (const statement of statements.filter((s) => s.startsWith('INSERT'))) {
      const table = /^INSERT INTO (\w+)/.exec(statement)?.[1];
      const [{ rows } = { rows: '0' }] = await (await client.query({ query: `SELECT count() AS rows FROM ${table}`, format: 'JSONEachRow' })).json<{
        rows: string;
      }>();
      if (rows === '0') await client.command({ query: statement });
    }
  } finally {
    await client.close();
  }
}
