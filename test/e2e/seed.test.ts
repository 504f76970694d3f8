import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outsideDir } from '../support/paths.js';
import { buildSeededServer } from '../support/seeded.js';
import { connectHttp, runToExit, startHttpServer } from '../support/servers.js';

describe('seeding an embedded database', () => {
  it('refuses to start on a failing seed, names the file, and leaves no half-seeded database behind', async () => {
    // The first two statements succeed; the third fails, after a table and a row exist.
    const { serverJs, seedFile, builtSeed } = buildSeededServer(
      'seed',
      'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n',
    );
    const cwd = outsideDir('seed');

    const refused = await runToExit(serverJs, { cwd });
    expect(refused.code).toBe(1);
    // The message names the user's seed file, not its copy in the build.
    expect(refused.stderr).toContain(`source 'db': seed file ${seedFile} failed:`);
    expect(refused.stderr).toMatch(/no_such_table/);

    // Fixed seed, same data directory: if the failed run had left `events` behind, the database
    // would count as seeded and hold the one row of the failed run.
    writeFileSync(builtSeed, 'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events VALUES (1), (2), (3);\n');
    const server = await startHttpServer(serverJs, { cwd });
    try {
      expect(server.log()).toContain('seeded embedded database');
      const client = await connectHttp(server.url, 'modern');
      const result = await client.callTool({ name: 'count_events', arguments: {} });
      expect(result.structuredContent).toEqual({ rows: [{ n: '3' }], row_count: 1, truncated: false });
      await client.close();
    } finally {
      await server.stop();
    }
  });
});
