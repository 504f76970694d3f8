import { describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../runtime/auth/jwt.js';
import { allowedRoles } from '../../runtime/auth/roles.js';
import { assertCallerRoles, queryRoles } from '../../runtime/call/roles.js';
import { ANONYMOUS, type Principal } from '../../runtime/contract/access.js';
import type { JwtSpec, ResourceSpec, ServerSpec, ToolSpec } from '../../runtime/contract/spec.js';
import { ToolFailure } from '../../runtime/errors.js';
import { restartOnlyChanges } from '../../runtime/reload/restart-only.js';
import type { Source } from '../../runtime/sources/source.js';
import { makeKey, sign } from '../support/tokens.js';

const ALLOWED = ['analyst', 'auditor'];

describe('roles from a token claim, kept to the allow-list', () => {
  it.each<[string, unknown, string[]]>([
    ['one allowed role as text', 'analyst', ['analyst']],
    ['space-separated text, unknown roles dropped', 'admin analyst  auditor', ['analyst', 'auditor']],
    ['a list, in the allow-list order, each once', ['auditor', 'analyst', 'auditor', 'default'], ['analyst', 'auditor']],
    ['only unknown roles', ['admin', 'default'], []],
    ['names compared exactly (case-sensitive)', ['Analyst', 'AUDITOR', ' analyst'], []],
    ['no claim', undefined, []],
    ['a number', 42, []],
    ['an object', { role: 'analyst' }, []],
    ['a list holding a non-string', ['analyst', 7], []],
    ['an empty list', [], []],
  ])('%s', (_, claim, expected) => {
    expect(allowedRoles(claim, ALLOWED)).toEqual(expected);
  });
});

const SPEC: JwtSpec = {
  issuer: 'https://issuer.test',
  audience: 'mcpc-test',
  algorithms: ['ES256'],
  scopesClaim: 'scope',
  clockSkewS: 0,
  jwksCooldownS: 30,
  roles: { claim: 'ch_roles', allowed: ALLOWED },
};
const CLAIMS = { iss: SPEC.issuer, aud: SPEC.audience, sub: 'ada' };

describe('a verified JWT caller', () => {
  it('carries the allowed roles its claim names when the pipeline takes roles from a claim', async () => {
    const key = await makeKey('k1', 'ES256');
    const verify = await createJwtVerifier(SPEC, { publicKey: key.publicPem });
    expect(await verify(await sign(key, { ...CLAIMS, ch_roles: ['admin', 'auditor'] }))).toEqual({
      ok: true,
      principal: { id: 'jwt:ada', kind: 'user', scopes: [], roles: ['auditor'] },
    });
    // A claim naming no allowed role leaves an empty list: the caller fails closed, it is not roleless.
    expect(await verify(await sign(key, { ...CLAIMS, sub: 'bob' }))).toEqual({ ok: true, principal: { id: 'jwt:bob', kind: 'user', scopes: [], roles: [] } });
  });

  it('carries no roles when the pipeline takes none from tokens, whatever its token says', async () => {
    const key = await makeKey('k1', 'ES256');
    const { roles: _roles, ...withoutRoles } = SPEC;
    const verify = await createJwtVerifier(withoutRoles, { publicKey: key.publicPem });
    expect(await verify(await sign(key, { ...CLAIMS, ch_roles: ['analyst'] }))).toEqual({ ok: true, principal: { id: 'jwt:ada', kind: 'user', scopes: [] } });
  });
});

function source(name: string, engine: 'embedded' | 'remote'): Source {
  return { name, engine } as Source;
}

const resources: ResourceSpec[] = [
  { name: 'events', uri: 'mcpc://s/events', source: 'db', table: 'events', access: 'anonymous', role: 'reader' },
  { name: 'notes', uri: 'mcpc://s/notes', source: 'db', table: 'notes', access: 'anonymous', role: 'writer' },
  { name: 'plain', uri: 'mcpc://s/plain', source: 'db', table: 'plain', access: 'anonymous' },
  { name: 'local', uri: 'mcpc://s/local', source: 'local', table: 'local', access: 'anonymous', role: 'reader' },
];
const view = {
  spec: { auth: { anonymous: true, scopesSupported: [], jwt: SPEC } } as unknown as ServerSpec,
  resources: new Map(resources.map((r) => [r.uri, r])),
  sources: new Map([
    ['db', source('db', 'remote')],
    ['local', source('local', 'embedded')],
  ]),
};
const tool = (name: string, reads: string[], extra: Record<string, unknown> = {}) =>
  ({ name, reads, access: 'anonymous', description: '', inputSchema: {}, kind: 'query', source: 'db', ...extra }) as unknown as ToolSpec;
const user = (roles?: string[]): Principal => ({ id: 'jwt:x', kind: 'user', scopes: [], ...(roles ? { roles } : {}) });

describe('the roles a query runs under', () => {
  it("are the roles of the resources the tool touches on that source, without a caller's roles", () => {
    expect(queryRoles(view, ANONYMOUS, tool('t', ['events', 'plain']), view.sources.get('db')!)).toEqual(['reader']);
    expect(queryRoles(view, ANONYMOUS, tool('t', ['notes'], { writes: ['events'] }), view.sources.get('db')!)).toEqual(['reader', 'writer']);
    expect(queryRoles(view, user(), tool('t', ['plain']), view.sources.get('db')!)).toBeUndefined();
  });

  it("are the caller's allowed roles alone when its token gives roles", () => {
    expect(queryRoles(view, user(['auditor']), tool('t', ['events']), view.sources.get('db')!)).toEqual(['auditor']);
  });

  it('are none on the embedded engine, and never refuse there', () => {
    expect(queryRoles(view, ANONYMOUS, tool('t', ['local'], { source: 'local' }), view.sources.get('local')!)).toBeUndefined();
    expect(queryRoles(view, user([]), tool('t', ['local'], { source: 'local' }), view.sources.get('local')!)).toBeUndefined();
  });

  it('refuse a caller whose claim named no allowed role, on a ClickHouse server', () => {
    expect(() => queryRoles(view, user([]), tool('t', ['events']), view.sources.get('db')!)).toThrow(ToolFailure);
  });
});

describe('a caller whose token named no allowed role', () => {
  const tools = new Map<string, { spec: ToolSpec }>([
    ['remote_tool', { spec: tool('remote_tool', ['events']) }],
    ['local_tool', { spec: tool('local_tool', ['local'], { source: 'local' }) }],
  ]);
  const runtime = { ...view, tools };
  const pipeline = (calls: string[]) => tool('p', [], { kind: 'pipeline', source: undefined, steps: calls.map((call, i) => ({ id: `s${i}`, call })) });
  const refusal = (principal: Principal, spec: ToolSpec) => {
    try {
      assertCallerRoles(runtime, principal, spec);
      return undefined;
    } catch (error) {
      return error instanceof ToolFailure ? `${error.code}: ${error.message}` : String(error);
    }
  };

  it("is refused every tool that reaches a ClickHouse server, a pipeline's steps included, naming the claim", () => {
    expect(refusal(user([]), tools.get('remote_tool')!.spec)).toMatch(
      /^AUTH\.NO_ROLE: the token's 'ch_roles' claim names no ClickHouse role this server allows/,
    );
    expect(refusal(user([]), pipeline(['local_tool', 'remote_tool']))).toMatch(/^AUTH\.NO_ROLE/);
  });

  it('is served tools only on the embedded engine; callers with roles or without a claim are never refused here', () => {
    expect(refusal(user([]), tools.get('local_tool')!.spec)).toBeUndefined();
    expect(refusal(user([]), pipeline(['local_tool']))).toBeUndefined();
    expect(refusal(user(['analyst']), tools.get('remote_tool')!.spec)).toBeUndefined();
    expect(refusal(ANONYMOUS, tools.get('remote_tool')!.spec)).toBeUndefined();
  });
});

describe('a new build that changes roles', () => {
  const running = {
    name: 's',
    generator: 'mcpc test',
    sources: {},
    http: {},
    projectDir: '.',
    auth: { anonymous: true, scopesSupported: [], jwt: SPEC },
    resources,
  } as unknown as ServerSpec;

  it("is taken live when a resource's role changes, and needs a restart when the role claim or its allow-list does", () => {
    const renamed = { ...running, resources: resources.map((r) => (r.name === 'events' ? { ...r, role: 'other' } : r)) };
    expect(restartOnlyChanges(running, renamed)).toEqual([]);
    const allowList = { ...running, auth: { ...running.auth!, jwt: { ...SPEC, roles: { claim: 'ch_roles', allowed: ['analyst'] } } } };
    expect(restartOnlyChanges(running, allowList)).toEqual(['auth']);
  });
});
