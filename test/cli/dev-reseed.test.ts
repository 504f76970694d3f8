import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDev } from '../support/dev.js';
import { freePort, stopProcess } from '../support/processes.js';
import { buildSeededServer } from '../support/seeded.js';
import { connectHttp, startHttpServer } from '../support/servers.js';

const count = (output: string, text: string) => output.split(text).length - 1;

describe('mcpc dev --reseed', () => {
  it('empties and seeds the database again on its first start only', async () => {
    const { serverJs, project, seedFile } = buildSeededServer(
      'dev-reseed',
      'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events VALUES (1), (2), (3);\n',
    );
    // A database seeded from the first seed, then a changed seed file.
    await (await startHttpServer(serverJs)).stop();
    writeFileSync(seedFile, 'CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events SELECT number FROM numbers(5);\n');

    const port = await freePort();
    const out = dirname(dirname(serverJs));
    const dev = startDev([join(project, 'pipeline.yaml'), '--out', out, '--port', String(port), '--reseed'], project);
    try {
      await dev.waitFor("mcpc dev: serving 'seeded'");
      const countEvents = async () => {
        const client = await connectHttp(`http://127.0.0.1:${port}/mcp`, 'modern');
        try {
          return (await client.callTool({ name: 'count_events', arguments: {} })).structuredContent;
        } finally {
          await client.close();
        }
      };
      expect(await countEvents()).toEqual({ rows: [{ n: '5' }], row_count: 1, truncated: false });
      expect(count(dev.output(), 'dropped every table to seed again (--reseed)')).toBe(1);

      // An edit restarts the server, which keeps the data it has.
      const pipeline = join(project, 'pipeline.yaml');
      writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('How many events there are', 'How many events are stored'));
      await dev.waitFor("mcpc dev: serving 'seeded'", 2);
      expect(count(dev.output(), 'dropped every table to seed again (--reseed)')).toBe(1);
      expect(dev.output()).not.toContain('changed since');
      expect(await countEvents()).toEqual({ rows: [{ n: '5' }], row_count: 1, truncated: false });
    } finally {
      await stopProcess(dev.process, 10_000);
    }
  });
});
