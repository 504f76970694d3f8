import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_HEADERS, rawRequest, rpcResult } from '../support/http.js';
import { mcpcBin } from '../support/paths.js';
import { buildPipeline, type RunningServer, startHttpServer } from '../support/servers.js';
import { handMade, JwksServer, makeKey, sign, type TestKey } from '../support/tokens.js';

/**
 * Identity under attack, over real HTTP: a generated server (test/security/auth/open.yaml) that
 * verifies JWTs against a real JWKS endpoint on a local port and API keys from a file minted by
 * `mcpc keys add`, with anonymous callers allowed; every refusal is checked for its status, its
 * WWW-Authenticate challenge and that the server keeps serving.
 */
const jwks = new JwksServer();
let server: RunningServer;
let keyOne: TestKey;
let keyEc: TestKey;
let stranger: TestKey;
let keysFile: string;
let secretsKey: string;
let plainKey: string;
let revokedKey: string;

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'authz';
const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', ...extra });

function mintKey(name: string, scopes: string[]): string {
  const result = spawnSync(process.execPath, [mcpcBin, 'keys', 'add', name, '--scopes', scopes.join(','), '--file', keysFile], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

beforeAll(async () => {
  [keyOne, keyEc, stranger] = await Promise.all([makeKey('one'), makeKey('ec', 'ES256'), makeKey('one')]);
  jwks.keys = [keyOne, keyEc];
  await jwks.start();
  keysFile = join(mkdtempSync(join(tmpdir(), 'mcpc-keys-')), 'keys.txt');
  secretsKey = mintKey('reader', ['secrets:read']);
  plainKey = mintKey('staff', []);
  revokedKey = mintKey('leaver', ['secrets:read']);
  server = await startHttpServer(buildPipeline('test/security/auth/open.yaml', 'authz'), { env: { JWKS_URL: jwks.url, KEYS_FILE: keysFile } });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await jwks.stop();
});

/** One JSON-RPC request with the given Authorization header (none when undefined). */
function post(body: object, authorization?: string) {
  return rawRequest(server.url, {
    headers: { ...LEGACY_HEADERS, ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...body }),
  });
}
const listTools = (authorization?: string) => post({ method: 'tools/list', params: {} }, authorization);
const callTool = (name: string, authorization?: string) => post({ method: 'tools/call', params: { name, arguments: {} } }, authorization);
const bearer = (token: string) => `Bearer ${token}`;

async function toolNames(authorization?: string): Promise<string[]> {
  const response = await listTools(authorization);
  expect(response.status).toBe(200);
  return ((rpcResult(response.body).result as unknown as { tools: Array<{ name: string }> }).tools ?? []).map((t) => t.name);
}

/** A refusal before any work: its status, the challenge's error, and the server still serving. */
async function expectRefused(authorization: string, status: 401 | 403, error: string | undefined, reason?: RegExp) {
  const response = await listTools(authorization);
  expect(response.status).toBe(status);
  const header = String(response.headers['www-authenticate']);
  expect(header).toMatch(/^Bearer /);
  expect(header).toContain(`resource_metadata="${new URL(server.url).origin}/.well-known/oauth-protected-resource/mcp"`);
  if (error) expect(header).toContain(`error="${error}"`);
  else expect(header).not.toContain('error=');
  const body = JSON.parse(response.body) as { error: { message: string } };
  if (reason) expect(body.error.message).toMatch(reason);
  const sent = authorization.slice(7, 40);
  if (sent.length > 3) expect(body.error.message).not.toContain(sent);
  // The server keeps serving the callers it should.
  expect(await toolNames()).toEqual(['read_public']);
  return response;
}

describe('who sees what over HTTP', () => {
  it('an anonymous caller sees only the tool over the anonymous resource', async () => {
    expect(await toolNames()).toEqual(['read_public']);
  });

  it('a JWT with the secrets:read scope sees every tool, and calls the scoped one', async () => {
    const token = await sign(keyOne, claims({ scope: 'profile secrets:read' }));
    expect(await toolNames(bearer(token))).toEqual(['read_secrets', 'read_internal', 'read_public']);
    const result = rpcResult((await callTool('read_secrets', bearer(token))).body).result;
    expect(result?.structuredContent).toMatchObject({ rows: [{ note: 'launch codes' }] });
  });

  it('a JWT without scopes sees the authenticated tool without scopes, not the scoped one', async () => {
    const token = await sign(keyOne, claims());
    expect(await toolNames(bearer(token))).toEqual(['read_internal', 'read_public']);
  });

  it('an ES256 JWT from the same JWKS is accepted (every listed algorithm)', async () => {
    const token = await sign(keyEc, claims({ scope: 'secrets:read' }));
    expect(await toolNames(bearer(token))).toEqual(['read_secrets', 'read_internal', 'read_public']);
  });

  it('an API key sees what its scopes allow', async () => {
    expect(await toolNames(bearer(secretsKey))).toEqual(['read_secrets', 'read_internal', 'read_public']);
    expect(await toolNames(bearer(plainKey))).toEqual(['read_internal', 'read_public']);
  });

  it('resources/list is filtered per caller the same way', async () => {
    const names = async (authorization?: string) =>
      (
        (rpcResult((await post({ method: 'resources/list', params: {} }, authorization)).body).result as unknown as { resources: Array<{ name: string }> })
          .resources ?? []
      )
        .map((r) => r.name)
        .filter((n) => n !== 'health' && n !== 'manifest');
    expect(await names()).toEqual(['public_facts']);
    expect(await names(bearer(plainKey))).toEqual(['internal', 'public_facts']);
    expect(await names(bearer(secretsKey))).toEqual(['secrets', 'internal', 'public_facts']);
  });

  it('a stock MCP client with a bearer token lists and calls as its caller', async () => {
    const token = await sign(keyOne, claims({ scope: 'secrets:read' }));
    const client = new Client({ name: 'auth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: bearer(token) } } }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['read_secrets', 'read_internal', 'read_public']);
      const result = await client.callTool({ name: 'read_secrets', arguments: {} });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

describe('hidden tools and missing scopes', () => {
  it('an anonymous call to an authenticated tool answers exactly like a tool that does not exist', async () => {
    const hidden = rpcResult((await callTool('read_internal')).body) as unknown as { error: { code: number; message: string } };
    const missing = rpcResult((await callTool('no_such_tool')).body) as unknown as { error: { code: number; message: string } };
    expect(hidden.error.code).toBe(missing.error.code);
    expect(hidden.error.message.replace('read_internal', 'X')).toBe(missing.error.message.replace('no_such_tool', 'X'));
  });

  it('a valid token lacking a scope a tool needs gets 403 insufficient_scope naming the scope', async () => {
    const token = await sign(keyOne, claims({ scope: 'other' }));
    const response = await callTool('read_secrets', bearer(token));
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer .*error="insufficient_scope".*scope="secrets:read"/);
    expect(JSON.parse(response.body).error.message).toContain('secrets:read');
  });

  it('an API key lacking the scope gets the same 403 for a resource read', async () => {
    const response = await post({ method: 'resources/read', params: { uri: 'mcpc://authz/secrets' } }, bearer(plainKey));
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('a verified caller calling a tool that does not exist gets an unknown tool, not 403', async () => {
    const response = await callTool('no_such_tool', bearer(plainKey));
    expect(response.status).toBe(200);
    expect(JSON.stringify(rpcResult(response.body))).toContain('Unknown tool');
  });
});

describe('hostile JWTs are refused with 401 invalid_token', () => {
  it('a forged signature (another key under the same kid)', async () => {
    await expectRefused(bearer(await sign(stranger, claims())), 401, 'invalid_token', /signature does not verify/);
  });

  it('an expired token, beyond the clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(bearer(await sign(keyOne, claims({ iat: now - 600, exp: now - 60 }))), 401, 'invalid_token', /expired/);
  });

  it('a token that expired within the clock skew is still accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await toolNames(bearer(await sign(keyOne, claims({ exp: now - 2 }))))).toEqual(['read_internal', 'read_public']);
  });

  it('a token not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(bearer(await sign(keyOne, claims({ nbf: now + 600 }))), 401, 'invalid_token', /not valid yet/);
  });

  it('a wrong audience', async () => {
    await expectRefused(bearer(await sign(keyOne, claims({ aud: 'another-server' }))), 401, 'invalid_token', /aud/);
  });

  it('a wrong issuer', async () => {
    await expectRefused(bearer(await sign(keyOne, claims({ iss: 'https://evil.test' }))), 401, 'invalid_token', /iss/);
  });

  it('a token without exp', async () => {
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'one' }).sign(keyOne.privateKey);
    await expectRefused(bearer(token), 401, 'invalid_token', /exp/);
  });

  it('a token without sub', async () => {
    await expectRefused(bearer(await sign(keyOne, claims({ sub: undefined }))), 401, 'invalid_token', /sub/);
  });

  it('alg: none, unsigned', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = handMade({ alg: 'none', typ: 'JWT' }, { ...claims({ scope: 'secrets:read' }), exp: now + 600 });
    await expectRefused(bearer(token), 401, 'invalid_token', /algorithm/);
  });

  it('HMAC-signed with the public key as the secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode(keyOne.publicPem);
    const token = await new SignJWT({ ...claims({ scope: 'secrets:read' }), exp: now + 600 }).setProtectedHeader({ alg: 'HS256', kid: 'one' }).sign(secret);
    await expectRefused(bearer(token), 401, 'invalid_token', /algorithm/);
  });

  it('an algorithm the pipeline does not list (RS384 with a listed key)', async () => {
    // Refused for its algorithm before any signature is checked: the RS256 signature under an RS384 header.
    const [, payload, signature] = (await sign(keyOne, claims())).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'RS384', kid: 'one', typ: 'JWT' })).toString('base64url');
    await expectRefused(bearer(`${header}.${payload}.${signature}`), 401, 'invalid_token', /algorithm/);
  });

  it('a tampered payload (scope added after signing)', async () => {
    const [head, , sig] = (await sign(keyOne, claims())).split('.');
    const payload = Buffer.from(JSON.stringify({ ...claims({ scope: 'secrets:read' }), exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    await expectRefused(bearer(`${head}.${payload}.${sig}`), 401, 'invalid_token', /signature/);
  });

  it('garbage that is not a JWT', async () => {
    await expectRefused(bearer('not.a.jwt'), 401, 'invalid_token', /well-formed|not accepted/);
  });
});

describe('malformed Authorization headers are refused with 401 invalid_request', () => {
  it.each([
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['Bearer without a token', 'Bearer '],
    ['two tokens', 'Bearer abc def'],
    ['a token with characters no token has', 'Bearer abc"def'],
  ])('%s', async (_what, authorization) => {
    await expectRefused(authorization, 401, 'invalid_request', /Bearer <token>/);
  });

  it('a token too long is refused before it is parsed, quickly', async () => {
    const started = performance.now();
    await expectRefused(bearer('a'.repeat(9000)), 401, 'invalid_request', /longer than 8192/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a bad token is refused before the body is read', async () => {
    // A body declared far over the size limit would be 413 if it were looked at; the token comes first.
    const response = await rawRequest(server.url, {
      headers: { ...LEGACY_HEADERS, authorization: 'Bearer nope', 'content-length': String(50 * 1024 * 1024) },
    });
    expect(response.status).toBe(401);
  });
});

describe('the hardening limits apply to verified callers too', () => {
  it('a verified caller with a body over the limit gets 413, and arguments nested too deep are refused', async () => {
    const big = await rawRequest(server.url, {
      headers: { ...LEGACY_HEADERS, authorization: bearer(secretsKey), 'content-length': String(50 * 1024 * 1024) },
    });
    expect(big.status).toBe(413);
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    const response = await post({ method: 'tools/call', params: { name: 'read_secrets', arguments: { deep } } }, bearer(secretsKey));
    expect(response.status).toBe(200);
    expect(JSON.stringify(rpcResult(response.body))).toContain('PARAMS.INVALID');
  });
});

describe('API keys', () => {
  it('a wrong key (one character changed) is refused', async () => {
    const last = secretsKey.at(-1) === '0' ? '1' : '0';
    await expectRefused(bearer(secretsKey.slice(0, -1) + last), 401, 'invalid_token', /API key is not valid/);
  });

  it('a key under an unknown name is refused the same way', async () => {
    await expectRefused(bearer(secretsKey.replace('mcpc_reader_', 'mcpc_nobody_')), 401, 'invalid_token', /API key is not valid/);
  });

  it('a key with the right name and a malformed secret is refused the same way', async () => {
    await expectRefused(bearer('mcpc_reader_0123'), 401, 'invalid_token', /API key is not valid/);
  });

  it('a key revoked by deleting its line is refused on the next request, without a restart', async () => {
    expect(await toolNames(bearer(revokedKey))).toContain('read_secrets');
    const lines = readFileSync(keysFile, 'utf8').split('\n');
    writeFileSync(keysFile, lines.filter((line) => !line.startsWith('leaver ')).join('\n'));
    await expectRefused(bearer(revokedKey), 401, 'invalid_token', /API key is not valid/);
    // The others still work.
    expect(await toolNames(bearer(secretsKey))).toContain('read_secrets');
  });

  it('the key file holds hashes, never a key', () => {
    const text = readFileSync(keysFile, 'utf8');
    for (const key of [secretsKey, plainKey, revokedKey]) expect(text).not.toContain(key.slice(-64));
    expect(text).toMatch(/^reader sha256:[0-9a-f]{64} secrets:read$/m);
  });
});

describe('JWKS caching and rotation', () => {
  it('an unknown kid triggers one refetch, and a flood of unknown kids does not trigger a flood of fetches', async () => {
    await toolNames(bearer(await sign(keyOne, claims())));
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s cooldown
    const before = jwks.fetches;
    const flood = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => (await listTools(bearer(await sign(keyOne, claims(), { kid: `unknown-${i}` })))).status),
    );
    expect(flood.every((status) => status === 401)).toBe(true);
    expect(jwks.fetches - before).toBe(1);
    // Within the cooldown, another unknown kid fetches nothing.
    await listTools(bearer(await sign(keyOne, claims(), { kid: 'unknown-again' })));
    expect(jwks.fetches - before).toBe(1);
  });

  it('a rotated key is picked up, and the retired one is refused', async () => {
    const rotated = await makeKey('two');
    jwks.keys = [rotated, keyEc];
    await new Promise((r) => setTimeout(r, 1100));
    expect(await toolNames(bearer(await sign(rotated, claims({ scope: 'secrets:read' }))))).toContain('read_secrets');
    await expectRefused(bearer(await sign(keyOne, claims())), 401, 'invalid_token', /key is not among/);
  });
});

describe('the MCP authorization endpoints', () => {
  it('serves RFC 9728 protected resource metadata naming the authorization server and scopes', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await rawRequest(new URL(path, server.url).href, { method: 'GET' });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({
        resource: server.url,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ['header'],
        scopes_supported: ['secrets:read'],
        resource_name: 'authz',
      });
    }
  });

  it('the server log never holds a token or a key', () => {
    const log = server.log();
    expect(log).not.toContain(secretsKey.slice(-64));
    expect(log).not.toContain(plainKey.slice(-64));
    expect(log).toContain('"msg":"serving"');
  });
});
