import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mcpcBin, repoRoot, scratchDir } from '../support/paths.js';

function mcpc(...args: string[]) {
  const result = spawnSync(process.execPath, [mcpcBin, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of the example pipeline (with its seed), edited: the contract a team would commit next. */
function editedExample(edit: (yaml: string) => string): string {
  const dir = scratchDir('contract');
  cpSync(join(repoRoot, 'pipelines'), dir, { recursive: true });
  const file = join(dir, 'orders.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return file;
}

const example = 'pipelines/orders.yaml';
/** The example without summarize_orders (and the pipeline step that calls it): a breaking change. */
const withoutSummarize = (yaml: string) => {
  const start = yaml.indexOf('  summarize_orders:');
  const end = yaml.indexOf('  order_events_since:');
  const pipelines = yaml.indexOf('\npipelines:');
  return yaml.slice(0, start) + yaml.slice(end, pipelines + 1);
};

describe('mcpc diff', () => {
  it('classifies each change and says the bump the whole needs', () => {
    const next = editedExample((yaml) =>
      withoutSummarize(yaml).replace(
        'limit: { type: integer, minimum: 1, maximum: 1000, default: 100 }',
        'limit: { type: integer, minimum: 1, maximum: 5000, default: 100 }',
      ),
    );
    const { code, stdout } = mcpc('diff', example, next);
    expect(code).toBe(0);
    expect(stdout).toContain("breaking   tool 'summarize_orders': removed; clients calling it fail");
    expect(stdout).toContain("breaking   tool 'order_analytics': removed; clients calling it fail");
    expect(stdout).toContain("compatible tool 'query_orders': argument 'limit': maximum 1000 → 5000");
    expect(stdout).toMatch(/needs a major version bump from 1\.0\.0; 1\.0\.0 is a none bump\n$/);

    const json = JSON.parse(mcpc('diff', example, next, '--format', 'json').stdout) as { bump: string; changes: Array<{ level: string }> };
    expect(json.bump).toBe('major');
    expect(json.changes.filter((c) => c.level === 'breaking')).toHaveLength(2);
  });

  it('reads manifests and git refs as well as pipeline files', () => {
    const out = scratchDir('contract-build');
    expect(mcpc('build', example, '--out', out).code).toBe(0);
    const manifest = join(out, 'orders', 'manifest.json');
    expect(mcpc('diff', manifest, example).stdout).toBe('no changes to the contract\n');
    const fromGit = mcpc('diff', `git:HEAD:${example}`, manifest);
    expect(fromGit.code, fromGit.stderr).toBe(0);
    expect(mcpc('diff', 'git:no-such-ref:pipelines/orders.yaml', example)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('git cannot read no-such-ref'),
    });
    expect(mcpc('diff', join(out, 'orders', 'server.ts'), example).code).toBe(1);
  });
});

describe('mcpc check --against', () => {
  it('fails when server.version is not bumped as far as the changes need, at the version line', () => {
    const underBumped = editedExample((yaml) => withoutSummarize(yaml).replace('version: 1.0.0', 'version: 1.1.0'));
    const { code, stderr } = mcpc('check', underBumped, '--against', example);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /orders\.yaml:9:\d+: error MCPC_VERSION_BUMP: the changes since pipelines\/orders\.yaml need a major version bump from 1\.0\.0, but server\.version is 1\.1\.0 \(tool 'summarize_orders': removed/,
    );

    const bumped = editedExample((yaml) => withoutSummarize(yaml).replace('version: 1.0.0', 'version: 2.0.0'));
    expect(mcpc('check', bumped, '--against', example).code).toBe(0);
    // Additions need a minor bump; a patch bump is not enough.
    const added = editedExample((yaml) =>
      yaml
        .replace('version: 1.0.0', 'version: 1.0.1')
        .replace(
          '      limit: { type: integer, minimum: 1, maximum: 1000, default: 100 }',
          '      limit: { type: integer, minimum: 1, maximum: 1000, default: 100 }\n      offset: { type: integer, minimum: 0, default: 0 }',
        )
        .replace('      LIMIT {limit:UInt32}', '      LIMIT {limit:UInt32} OFFSET {offset:UInt32}'),
    );
    const patch = mcpc('check', added, '--against', example, '--format', 'json');
    expect(patch.code).toBe(1);
    expect(patch.stdout).toContain('need a minor version bump from 1.0.0, but server.version is 1.0.1');
  });

  it('takes one pipeline file, and says when the earlier contract cannot be read', () => {
    expect(mcpc('check', example, example, '--against', example).code).toBe(2);
    const unreadable = mcpc('check', example, '--against', 'git:no-such-ref:pipelines/orders.yaml');
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('MCPC_CONTRACT_UNREADABLE');
  });
});
