import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../compiler/diagnostics/codes.js';
import { repoRoot } from '../support/paths.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe('documentation', () => {
  it('documents every diagnostic code in the README, with the same one-line meaning', () => {
    const section = readme.slice(readme.indexOf('## Diagnostics'), readme.indexOf('## Developing mcpc'));
    const documented = [...section.matchAll(/^\| `(MCPC_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(documented).toEqual(Object.entries(DIAGNOSTIC_CODES));
    for (const [code, meaning] of Object.entries(DIAGNOSTIC_CODES)) expect(meaning.length, code).toBeGreaterThan(10);
  });

  it('gives the quick start as exactly two commands, the second being the test command CI runs', () => {
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## How it works'));
    const block = /```sh\n([\s\S]*?)```/.exec(quickStart)![1]!.trim().split('\n');
    expect(block).toHaveLength(2);
    expect(block[0]).toMatch(/^npm install && npm start\s/);
    expect(block[1]).toMatch(/^npm test\s/);
    expect(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
