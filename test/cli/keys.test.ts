import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mcpcBin, outsideDir } from '../support/paths.js';

function mcpc(...args: string[]) {
  const result = spawnSync(process.execPath, [mcpcBin, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mcpc keys add', () => {
  it('prints a new key once, on stdout, and appends only its SHA-256 hash and scopes to the file', () => {
    const file = join(outsideDir('keys'), 'keys.txt');
    const added = mcpc('keys', 'add', 'ci-bot', '--scopes', 'orders:read,analytics:write', '--file', file);
    expect(added.code).toBe(0);
    const key = added.stdout.trim();
    expect(key).toMatch(/^mcpc_ci-bot_[0-9a-f]{64}$/);
    expect(added.stdout).toBe(`${key}\n`);
    expect(added.stderr).not.toContain(key);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`ci-bot sha256:${createHash('sha256').update(key).digest('hex')} orders:read,analytics:write\n`);
    expect(text).not.toContain(key.slice(-64));
    // Only its owner may read the file.
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('appends to an existing file, two keys never alike, and refuses a name that is taken', () => {
    const file = join(outsideDir('keys'), 'keys.txt');
    writeFileSync(file, '# our keys');
    const one = mcpc('keys', 'add', 'one', '--file', file);
    const two = mcpc('keys', 'add', 'two', '--scopes', 'x', '--file', file);
    expect(one.stdout).not.toBe(two.stdout);
    expect(readFileSync(file, 'utf8').split('\n')).toEqual([
      '# our keys',
      expect.stringMatching(/^one sha256:[0-9a-f]{64}$/),
      expect.stringMatching(/^two sha256:[0-9a-f]{64} x$/),
      '',
    ]);
    const again = mcpc('keys', 'add', 'one', '--file', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already has a key named 'one'");
    expect(again.stdout).toBe('');
  });

  it('refuses bad names, bad scopes and missing options as usage errors, writing nothing', () => {
    const file = join(outsideDir('keys'), 'keys.txt');
    expect(mcpc('keys', 'add', 'bad name!', '--file', file).code).toBe(2);
    expect(mcpc('keys', 'add', 'ok', '--scopes', 'a"b', '--file', file).code).toBe(2);
    expect(mcpc('keys', 'add', 'ok').stderr).toContain('needs --file');
    expect(mcpc('keys', 'remove', 'ok', '--file', file).code).toBe(2);
    expect(() => statSync(file)).toThrow();
  });
});
