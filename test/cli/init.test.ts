import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEmbedded } from '../support/embedded.js';
import { mcpcBin, repoRoot, scratchDir } from '../support/paths.js';
import { buildPipeline, connectStdio } from '../support/servers.js';

function mcpc(...args: string[]) {
  const result = spawnSync(process.execPath, [mcpcBin, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** An embedded database with a table in `default`, one in another database, and a view. */
function liveDatabase(dir = scratchDir('init-data')): string {
  const data = join(dir, 'data');
  onEmbedded(data, [
    'CREATE TABLE visits (day Date, page String, hits UInt32, `user-agent` String) ENGINE = MergeTree ORDER BY (day, page)',
    "INSERT INTO visits VALUES ('2024-01-01', '/a', 3, 'x'), ('2024-01-02', '/b', 5, 'y')",
    'CREATE DATABASE shop',
    'CREATE TABLE shop.items (sku String, price Decimal(10, 2)) ENGINE = MergeTree ORDER BY sku',
    "INSERT INTO shop.items VALUES ('k1', 9.5)",
    'CREATE VIEW busy_days AS SELECT day, sum(hits) AS hits FROM visits GROUP BY day',
  ]);
  return data;
}

describe('mcpc introspect and init', () => {
  it('print the DDL of the live tables, filtered by database and name', () => {
    const data = liveDatabase();
    const all = mcpc('introspect', '--embedded', data);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('CREATE DATABASE IF NOT EXISTS `shop`;');
    expect(all.stdout).toMatch(/CREATE TABLE default\.visits/);
    expect(all.stdout).toMatch(/CREATE TABLE shop\.items/);
    expect(all.stdout).toMatch(/CREATE VIEW default\.busy_days/);
    const shop = mcpc('introspect', '--embedded', data, '--database', 'shop');
    expect(shop.stdout).toMatch(/shop\.items/);
    expect(shop.stdout).not.toMatch(/visits/);
    const visits = mcpc('introspect', '--embedded', data, '--tables', 'vis*');
    expect(visits.stdout).toMatch(/visits/);
    expect(visits.stdout).not.toMatch(/items|busy_days/);
    expect(mcpc('introspect').code).toBe(2);
  });

  it('scaffold a pipeline that checks, builds and serves as is, a resource and a starter tool per table', async () => {
    // The data beside the pipeline, as a project keeps it (the test's build copies the directory).
    const dir = scratchDir('init');
    const data = liveDatabase(dir);
    const init = mcpc('init', '--embedded', data, '--name', 'visits', '--out', dir);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain('checked 1 file: no errors');
    const yaml = readFileSync(join(dir, 'pipeline.yaml'), 'utf8');
    expect(yaml).toContain('access: authenticated');
    expect(mcpc('init', '--embedded', data, '--out', dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('exists') });

    const { client } = await connectStdio(buildPipeline(join(dir, 'pipeline.yaml'), 'visits'));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['busy_days_rows', 'items_rows', 'visits_rows']);
      const visits = await client.callTool({ name: 'visits_rows', arguments: { limit: 1 } });
      expect(visits.isError, JSON.stringify(visits.content)).toBeFalsy();
      expect(visits.structuredContent).toMatchObject({ rows: [{ day: '2024-01-01', page: '/a', hits: 3, 'user-agent': 'x' }], row_count: 1 });
      const items = await client.callTool({ name: 'items_rows', arguments: {} });
      expect(items.structuredContent).toMatchObject({ rows: [{ sku: 'k1', price: '9.5' }] });
      const busy = await client.callTool({ name: 'busy_days_rows', arguments: {} });
      expect((busy.structuredContent as { row_count: number }).row_count).toBe(2);
    } finally {
      await client.close();
    }
  });
});
