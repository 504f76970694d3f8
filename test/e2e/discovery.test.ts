import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../support/paths.js';
import { buildProject, type RunningServer, startHttpServer } from '../support/servers.js';

/**
 * Tables that appear at run time in the data an embedded server serves. The engine lets one
 * process use its data directory, so no second process can create a table there; but a database
 * the engine attaches over an SQLite file lists that file's tables as they are now, and another
 * process (here the sqlite3 command, as an application writing its own file would) can create and
 * drop tables in it while the server runs. The server finds them through system.tables, as it
 * would tables another client creates on a ClickHouse server.
 */
function sqlite(file: string, sql: string): void {
  execFileSync('sqlite3', [file, sql]);
}

const hasSqlite = spawnSync('sqlite3', ['-version']).status === 0;
// .ci/install-sqlite3.sh installs it; under CI a missing command is a failure, never a quiet skip.
const ci = process.env.CI !== undefined && process.env.CI !== 'false' && process.env.CI !== '0';
if (!hasSqlite && ci) throw new Error('the sqlite3 command is required for the discovery tests in CI (.ci/install-sqlite3.sh)');
if (!hasSqlite) process.stderr.write('discovery tests skipped: the sqlite3 command is not installed (.ci/install-sqlite3.sh)\n');

describe.skipIf(!hasSqlite)('resources over a table pattern, discovered at run time', () => {
  let server: RunningServer;
  let client: Client;
  let liteFile: string;
  const resourceLists: string[][] = [];
  const waiters: Array<() => void> = [];
  const until = async (test: () => boolean) => {
    while (!test()) await new Promise<void>((resolve) => waiters.push(resolve));
  };

  beforeAll(async () => {
    const dir = scratchDir('discovery');
    liteFile = join(dir, 'lite.db');
    sqlite(
      liteFile,
      'CREATE TABLE events_a (id INTEGER, kind TEXT); INSERT INTO events_a VALUES (1, "open"); CREATE TABLE secret_a (x INTEGER); CREATE TABLE other (y INTEGER); CREATE TABLE eventsx (z INTEGER);',
    );
    mkdirSync(join(dir, 'seed'));
    writeFileSync(
      join(dir, 'seed', 'db.sql'),
      `CREATE TABLE notes (id UInt32) ENGINE = MergeTree ORDER BY id;\nCREATE DATABASE lite ENGINE = SQLite('${liteFile}');\n`,
    );
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `mcpc: 1
server: { name: discovering, version: 1.0.0, discovery_s: 0.2 }
sources:
  db: { kind: clickhouse, seed: seed/db.sql }
resources:
  events: { source: db, database: lite, table_pattern: events_*, access: anonymous, description: One table of events per day }
  secrets: { source: db, database: lite, table_pattern: secret_*, access: authenticated }
`,
    );
    const { serverJs } = buildProject(join(dir, 'pipeline.yaml'), 'discovering');
    server = await startHttpServer(serverJs);
    client = new Client(
      { name: 'mcpc-test', version: '1.0.0' },
      {
        versionNegotiation: { mode: { pin: '2026-07-28' } },
        listChanged: {
          resources: {
            debounceMs: 0,
            onChanged: (_error, items) => {
              resourceLists.push((items ?? []).map((r) => r.uri));
              for (const wake of waiters.splice(0)) wake();
            },
          },
        },
      },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it('lists each table that matches at start, under the pattern access rule (an anonymous caller sees no secret_* table)', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.uri, r.name, r.description])).toEqual([
      ['mcpc://discovering/events/events_a', 'events/events_a', 'One table of events per day'],
      ['mcpc://health', 'health', expect.any(String)],
      ['mcpc://manifest', 'manifest', expect.any(String)],
    ]);
    const read = await client.readResource({ uri: 'mcpc://discovering/events/events_a' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { database: string; table: string; columns: Array<{ name: string; type: string }> };
    expect(body).toMatchObject({ database: 'lite', table: 'events_a' });
    expect(body.columns.map((c) => c.name)).toEqual(['id', 'kind']);
    // A table the caller may not see is as unknown as one that does not exist.
    const failure = (uri: string) =>
      client.readResource({ uri }).then(
        () => 'read',
        (e: Error) => e.message.replace(uri, 'URI'),
      );
    const hidden = await failure('mcpc://discovering/secrets/secret_a');
    expect(hidden).not.toBe('read');
    expect(hidden).toBe(await failure('mcpc://discovering/secrets/secret_zz'));
  });

  it('adds a table created while it runs, with resources/list_changed', async () => {
    sqlite(liteFile, 'CREATE TABLE events_b (id INTEGER);');
    await until(() => resourceLists.some((uris) => uris.includes('mcpc://discovering/events/events_b')));
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([
      'mcpc://discovering/events/events_a',
      'mcpc://discovering/events/events_b',
      'mcpc://health',
      'mcpc://manifest',
    ]);
    expect(server.log()).toContain('"msg":"tables discovered"');
  });

  it('drops a table that goes, and its URI answers as unknown', async () => {
    sqlite(liteFile, 'DROP TABLE events_a;');
    await until(() => resourceLists.some((uris) => !uris.includes('mcpc://discovering/events/events_a')));
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['mcpc://discovering/events/events_b', 'mcpc://health', 'mcpc://manifest']);
    await expect(client.readResource({ uri: 'mcpc://discovering/events/events_a' })).rejects.toThrow(/not found/i);
  });
});
