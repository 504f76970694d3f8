import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mcpcBin, repoRoot, scratchDir } from '../support/paths.js';

function mcpc(...args: string[]) {
  const result = spawnSync(process.execPath, [mcpcBin, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The example with a token budget set under `server:`. */
function exampleWithBudget(tokens: number): string {
  const dir = scratchDir('tool-budget');
  cpSync(join(repoRoot, 'pipelines'), dir, { recursive: true });
  const file = join(dir, 'orders.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('  version: 1.0.0\n', `  version: 1.0.0\n  tool_budget_tokens: ${tokens}\n`));
  return file;
}

/** The report's lines: caller, tools, estimated tokens. */
function costs(stderr: string): Record<string, { tools: number; tokens: number }> {
  const rows = [...stderr.matchAll(/^ {2}(\S.*?) +(\d+) tools? +~([\d,]+) tokens$/gm)];
  return Object.fromEntries(rows.map(([, caller, tools, tokens]) => [caller, { tools: Number(tools), tokens: Number(tokens!.replace(/,/g, '')) }]));
}

describe('mcpc check: what the catalog costs a model', () => {
  it('reports the estimated tokens of tools/list per caller view, and says how it estimates', () => {
    const { code, stderr } = mcpc('check', 'pipelines/orders.yaml');
    expect(code).toBe(0);
    expect(stderr).toContain('what tools/list costs a model, per caller (estimated: ceil(characters of the tools/list result JSON / 4))');
    const rows = costs(stderr);
    expect(Object.keys(rows)).toEqual([
      'anonymous',
      'authenticated',
      'scopes analytics:write',
      'scopes analytics:write,orders:read',
      'scopes orders:read',
      'operator',
    ]);
    expect(rows.anonymous!.tools).toBe(4);
    expect(rows['scopes orders:read']!.tools).toBe(5);
    expect(rows.operator!.tools).toBe(7);
    // More tools, more tokens; the operator sees what both scopes together see.
    expect(rows['scopes orders:read']!.tokens).toBeGreaterThan(rows.anonymous!.tokens);
    expect(rows.operator).toEqual(rows['scopes analytics:write,orders:read']);
  });

  it('warns (MCPC_TOOL_BUDGET, at tool_budget_tokens) for each view over server.tool_budget_tokens, and still exits 0', () => {
    const rows = costs(mcpc('check', 'pipelines/orders.yaml').stderr);
    const file = exampleWithBudget(rows['scopes orders:read']!.tokens);
    const { code, stderr } = mcpc('check', file);
    expect(code).toBe(0);
    const warnings = stderr.split('\n').filter((line) => line.includes('warning MCPC_TOOL_BUDGET'));
    // Over budget: the views with seven tools and the one with analytics:write only; at the budget exactly is not over.
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/orders\.yaml:10:23: warning MCPC_TOOL_BUDGET: the tools\/list a caller 'scopes analytics:write' reads is about \d+ tokens/);
    expect(stderr).toContain(`budget ${rows['scopes orders:read']!.tokens.toLocaleString('en-US')})`);

    const json = JSON.parse(mcpc('check', file, '--format', 'json').stdout) as { diagnostics: Array<{ code: string; severity: string; path: string }> };
    expect(json.diagnostics.filter((d) => d.code === 'MCPC_TOOL_BUDGET').map((d) => [d.severity, d.path])).toEqual([
      ['warning', 'server.tool_budget_tokens'],
      ['warning', 'server.tool_budget_tokens'],
      ['warning', 'server.tool_budget_tokens'],
    ]);
  });

  it('refuses a budget that is not a positive whole number', () => {
    const file = exampleWithBudget(0);
    const { code, stderr } = mcpc('check', file);
    expect(code).toBe(1);
    expect(stderr).toMatch(/orders\.yaml:10:\d+: error MCPC_SCHEMA_OUT_OF_RANGE/);
  });
});
