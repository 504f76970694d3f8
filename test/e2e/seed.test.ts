import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outsideDir } from '../support/paths.js';
import { buildSeededServer } from '../support/seeded.js';
import { connectHttp, runToExit, startHttpServer, type RunningServer } from '../support/servers.js';

const countEvents = async (server: RunningServer) => {
  const client = await connectHttp(server.url, 'modern');
  try {
    return (await client.callTool({ name: 'count_events', arguments: {} })).structuredContent;
  } finally {
    await client.close();
  }
};
const rows = (n: number) => ({ rows: [{ n: String(n) }], row_count: 1, truncated: false });
const warnings = (log: string) => log.split('\n').filter((line) => line.includes('"level":"warn"'));

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
    expect(refused.stderr).toContain(`source 'db': seed file ${seedFile}:3: `);
    expect(refused.stderr).toMatch(/no_such_table/);

    // Fixed seed, same data directory: if the failed run had left `events` behind, the database
    // would count as seeded and hold the one row of the failed run.
    writeFileSync(builtSeed, 'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events VALUES (1), (2), (3);\n');
    const server = await startHttpServer(serverJs, { cwd });
    try {
      expect(server.log()).toContain('seeded embedded database');
      expect(await countEvents(server)).toEqual(rows(3));
    } finally {
      await server.stop();
    }
  });

  it('names the line of the failing statement, counting comments, blank lines and semicolons in text', async () => {
    const { serverJs, seedFile } = buildSeededServer(
      'seed-line',
      [
        '-- Events; one table',
        '',
        'CREATE TABLE events (id UInt64, note String)',
        'ENGINE = MergeTree ORDER BY id;',
        '/* rows; three */',
        "INSERT INTO events VALUES (1, 'a;b'), (2, '-- not a comment;');",
        'INSERT INTO events',
        'SELECT number, no_such_column FROM numbers(3);',
        '',
      ].join('\n'),
    );
    const refused = await runToExit(serverJs, { cwd: outsideDir('seed-line') });
    expect(refused.code).toBe(1);
    const message = refused.stderr.split('\n').find((line) => line.includes('cannot start'));
    expect(message).toContain(`source 'db': seed file ${seedFile}:7: `);
    expect(message).toMatch(/no_such_column/);
    // The engine's first sentence, without its echo of the statement.
    expect(message).not.toContain('numbers(3)');
  });

  it('warns once when the seed changed since the database was seeded, and --reseed replaces the data', async () => {
    const { serverJs, seedFile, builtSeed } = buildSeededServer(
      'seed-change',
      'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events VALUES (1), (2), (3);\n',
    );
    const cwd = outsideDir('seed-change');
    const run = async (args: string[], check: (server: RunningServer) => Promise<void>) => {
      const server = await startHttpServer(serverJs, { cwd, args });
      try {
        await check(server);
      } finally {
        await server.stop();
      }
    };

    await run([], async (server) => {
      expect(await countEvents(server)).toEqual(rows(3));
    });
    // A rebuild after the seed file changed: the database keeps the old seed's data, and says so.
    writeFileSync(builtSeed, 'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events SELECT number FROM numbers(5);\n');
    await run([], async (server) => {
      expect(await countEvents(server)).toEqual(rows(3));
      const [warning, ...more] = warnings(server.log());
      expect(more).toEqual([]);
      expect(warning).toContain(`source 'db': seed file ${seedFile} changed since database 'default'`);
      expect(warning).toContain('start the server with --reseed (or `mcpc dev --reseed`)');
    });
    const help = spawnSync(process.execPath, [serverJs, '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/--reseed +drop every table of each embedded source that has a seed, then run its seed again/);
    await run(['--reseed'], async (server) => {
      expect(server.log()).toContain('dropped every table to seed again (--reseed)');
      expect(warnings(server.log())).toEqual([]);
      expect(await countEvents(server)).toEqual(rows(5));
    });
    // The record now names the new seed: no warning, and the data stays.
    await run([], async (server) => {
      expect(warnings(server.log())).toEqual([]);
      expect(server.log()).not.toContain('seeded embedded database');
      expect(await countEvents(server)).toEqual(rows(5));
    });
  });
});
