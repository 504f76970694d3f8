import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mcpcBin, repoRoot, scratchDir } from '../support/paths.js';
import { freePort } from '../support/processes.js';

/**
 * `mcpc test` on a copy of the example (its embedded database seeded on the first run): the
 * examples pass as written, and an edited copy whose examples expect what the data does not
 * hold, or whose tool call fails, fails with exit 1 and says why for each.
 */
let project: string;
let out: string;
beforeAll(() => {
  const scratch = scratchDir('examples');
  project = join(scratch, 'project');
  out = join(scratch, 'build');
  cpSync(join(repoRoot, 'pipelines'), project, { recursive: true, filter: (path) => !path.includes('.mcpc') });
});

function mcpcTest(...args: string[]) {
  return mcpcTestWith(process.env, ...args);
}

function mcpcTestWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync(process.execPath, [mcpcBin, 'test', join(project, 'orders.yaml'), '--out', out, ...args], { cwd: repoRoot, encoding: 'utf8', env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mcpc test', () => {
  it('runs every example of the example pipeline against its seeded embedded engine, and passes', () => {
    const { code, stdout, stderr } = mcpcTest();
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('orders.yaml: 5 examples\n');
    expect(stdout).toContain('  ok    query_orders #1 (The first orders of 2024): 5 rows\n');
    expect(stdout).toContain('  ok    orders_by_region #1 (January 2024, every region): 4 rows\n');
    expect(stdout).toContain('  ok    explore_orders #1: 1 row\n');
    expect(stdout).toMatch(/5 passed, 0 failed\n$/);
  }, 180_000);

  it('fails (exit 1) on an example the data does not satisfy and on a call that fails, saying why, in text and JSON', () => {
    const file = join(project, 'orders.yaml');
    const yaml = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      yaml
        .replace(
          'expect: { rows: 4, columns: [region, orders, customers, revenue], contains: [{ region: north }, { region: west }] }',
          'expect: { rows: { max: 3 }, contains: [{ region: atlantis }] }',
        )
        .replace('args: { sql: "SELECT count() AS n FROM orders_anon" }', 'args: { sql: "SELECT count() AS n FROM orders" }'),
    );
    try {
      const { code, stdout } = mcpcTest();
      expect(code).toBe(1);
      expect(stdout).toContain(
        '  FAIL  orders_by_region #1 (January 2024, every region)\n        expected at most 3 rows, got 4\n        no row has {"region":"atlantis"}\n',
      );
      expect(stdout).toMatch(/ {2}FAIL {2}explore_orders #1\n {8}the call failed: .*orders/);
      expect(stdout).toContain('  ok    query_orders #1 (The first orders of 2024): 5 rows\n');
      expect(stdout).toMatch(/3 passed, 2 failed\n$/);

      const json = mcpcTest('--format', 'json');
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as { passed: number; failed: number; outcomes: Array<{ tool: string; passed: boolean; problems: string[] }> };
      expect([report.passed, report.failed]).toEqual([3, 2]);
      expect(report.outcomes.find((o) => o.tool === 'orders_by_region')).toMatchObject({
        passed: false,
        problems: ['expected at most 3 rows, got 4', 'no row has {"region":"atlantis"}'],
      });
    } finally {
      writeFileSync(file, yaml);
    }
  }, 180_000);

  it("runs a pipeline's examples as well as its tools' (test/fixtures/valid/composites)", () => {
    const copy = join(scratchDir('examples-composites'), 'project');
    cpSync(join(repoRoot, 'test/fixtures/valid/composites'), copy, { recursive: true, filter: (path) => !path.includes('expected') });
    const result = spawnSync(process.execPath, [mcpcBin, 'test', join(copy, 'pipeline.yaml'), '--out', join(copy, '..', 'build')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('  ok    fetch #1: 3 rows\n');
    expect(result.stdout).toContain('  ok    daily #1 (Five rows of one day): 1 row\n');
    expect(result.stdout).toMatch(/2 passed, 0 failed\n$/);
  }, 120_000);

  it('runs against the source URL its environment gives, as the server would: one that does not answer fails every example', async () => {
    // A port just freed: nothing listens on it.
    const port = await freePort();
    const { code, stdout, stderr } = mcpcTestWith({ ...process.env, CLICKHOUSE_URL: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    // The server starts (degraded) and each call says its source is unavailable.
    expect(stdout.match(/the call failed: SOURCE\.UNAVAILABLE/g), stderr).toHaveLength(5);
    expect(stdout).toMatch(/0 passed, 5 failed\n$/);
  }, 120_000);

  it('refuses a pipeline whose examples do not build, before starting anything', () => {
    const file = join(project, 'orders.yaml');
    const yaml = readFileSync(file, 'utf8');
    writeFileSync(file, yaml.replace('args: { from: "2024-01-01", to: "2024-01-31" }', 'args: { from: "January" }'));
    try {
      const { code, stderr } = mcpcTest();
      expect(code).toBe(1);
      expect(stderr).toMatch(/orders\.yaml:\d+:\d+: error MCPC_EXAMPLE_ARGS_INVALID: example 1 of 'orders_by_region': /);
    } finally {
      writeFileSync(file, yaml);
    }
  }, 60_000);
});
