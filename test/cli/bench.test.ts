import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, scratchDir } from '../support/paths.js';

/**
 * The benchmark harness itself, in its quick mode: it must build, start the servers and the load
 * process, measure, and write its results. No timing is asserted here; targets live in the
 * benchmark, measured side by side, never in tests.
 */
describe('benchmark harness', () => {
  it('runs B1 end to end in quick mode and writes a result for every row', () => {
    const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.bench.json'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    const out = join(scratchDir('bench'), 'results.json');
    const run = spawnSync(process.execPath, [join(repoRoot, 'dist', 'bench', 'run.js'), '--quick', '--only', 'B1', '--out', out], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toContain('bench: B1');
    expect(run.stdout).toMatch(/\| B1 +\| p50 latency, point query, c=1/);
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      rows: Array<{ id: string; mcpc: string; measure: string }>;
      suites: { B1: { mcpc: { calls: number }; dataFloor: { calls: number } } };
    };
    // Five rows on the embedded source, two with the source behind the ClickHouse HTTP front.
    const b1 = results.rows.filter((r) => r.id === 'B1');
    expect(b1).toHaveLength(7);
    expect(b1.filter((r) => r.measure.includes('ClickHouse HTTP front'))).toHaveLength(2);
    expect(results.suites.B1.mcpc.calls).toBeGreaterThan(0);
    expect(results.suites.B1.dataFloor.calls).toBeGreaterThan(0);
  }, 180_000);
});
