import { describe, expect, it } from 'vitest';
import { ANONYMOUS, lacksOnlyScopes, mayAccess, OPERATOR, type Principal, requiredAccess } from '../../runtime/contract/access.js';
import { matchApiKey, mintApiKey, parseKeyFile } from '../../runtime/contract/api-keys.js';

const user = (...scopes: string[]): Principal => ({ id: 'jwt:u', kind: 'user', scopes });

describe('the visibility rule', () => {
  const open = { access: 'anonymous' as const };
  const staff = { access: 'authenticated' as const };
  const secret = { access: 'authenticated' as const, scopes: ['a', 'b'] };

  it('opens anonymous things to all, authenticated things to verified callers and the operator', () => {
    expect([ANONYMOUS, OPERATOR, user()].map((p) => mayAccess(p, open))).toEqual([true, true, true]);
    expect([ANONYMOUS, OPERATOR, user()].map((p) => mayAccess(p, staff))).toEqual([false, true, true]);
  });

  it('requires every scope of a rule; the operator needs none', () => {
    expect(mayAccess(user('a'), secret)).toBe(false);
    expect(mayAccess(user('b', 'a', 'c'), secret)).toBe(true);
    expect(mayAccess(OPERATOR, secret)).toBe(true);
    expect(mayAccess(ANONYMOUS, secret)).toBe(false);
  });

  it('says a caller lacks only scopes when a better token would do, never for anonymous callers', () => {
    expect(lacksOnlyScopes(user('a'), secret)).toBe(true);
    expect(lacksOnlyScopes(ANONYMOUS, secret)).toBe(false);
    expect(lacksOnlyScopes(user('a', 'b'), secret)).toBe(false);
  });

  it('derives what a tool requires: the strictest access and the union of scopes', () => {
    expect(requiredAccess([open, { access: 'authenticated', scopes: ['b'] }, { access: 'authenticated', scopes: ['a', 'b'] }])).toEqual({
      access: 'authenticated',
      scopes: ['a', 'b'],
    });
    expect(requiredAccess([open])).toEqual({ access: 'anonymous' });
  });
});

describe('API keys', () => {
  const minted = mintApiKey('bot', ['orders:read']);
  const entries = parseKeyFile(`# comment\n\n${minted.line}`);

  it('matches the minted key and nothing near it', () => {
    expect(matchApiKey(entries, minted.key)?.scopes).toEqual(['orders:read']);
    expect(matchApiKey(entries, `${minted.key.slice(0, -1)}${minted.key.endsWith('0') ? '1' : '0'}`)).toBeUndefined();
    expect(matchApiKey(entries, minted.key.replace('mcpc_bot_', 'mcpc_bot2_'))).toBeUndefined();
    expect(matchApiKey(entries, 'mcpc_bot_short')).toBeUndefined();
    expect(matchApiKey(entries, '')).toBeUndefined();
  });

  it('refuses a malformed line without echoing it', () => {
    expect(() => parseKeyFile(minted.key)).toThrow(/^line 1 is not/);
    expect(() => parseKeyFile(minted.key)).not.toThrow(minted.key.slice(-20));
    expect(() => parseKeyFile(`${minted.line}${minted.line}`)).toThrow(/appears twice/);
  });
});
