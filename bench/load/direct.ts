import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { benchRoot } from '../paths.js';

/**
 * The data floor: `@clickhouse/client` on the same engine and data as the servers, with no MCP in
 * between. On embedded ClickHouse it opens its own chDB data directory (one engine per process)
 * and loads the same seed; with CLICKHOUSE_URL it reads the server the servers read.
 */
export async function openDirectClient(): Promise<ClickHouseClient> {
  const url = process.env.CLICKHOUSE_URL;
  if (url) {
    return createClient({ url, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '' });
  }
  const { createChdbConnection } = await import('chdb/connection');
  const path = mkdtempSync(join(tmpdir(), 'mcpc-bench-direct-'));
  // chdb types its connection against its own copy of client-common; at run time it is the same contract.
  const client = createClient({
    connection: createChdbConnection({ path }) as unknown as NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>,
  });
  await client.command({ query: readFileSync(join(benchRoot, 'pipelines', 'seed.sql'), 'utf8') });
  return client;
}

/**
 * With CLICKHOUSE_URL, creates the benchmark tables on that server and loads the events once (when
 * the table is empty). Over HTTP a request holds one statement, so the seed runs statement by statement.
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
    const [{ rows } = { rows: '0' }] = await (await client.query({ query: 'SELECT count() AS rows FROM bench_events', format: 'JSONEachRow' })).json<{
      rows: string;
    }>();
    if (rows === '0') for (const statement of statements.filter((s) => s.startsWith('INSERT'))) await client.command({ query: statement });
  } finally {
    await client.close();
  }
}
