import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_HEADERS, rawRequest, rpcResult } from '../support/http.js';
import { buildPipeline, type RunningServer, runToExit, startHttpServer } from '../support/servers.js';
import { makeKey, sign, type TestKey } from '../support/tokens.js';

/**
 * A server with anonymous callers turned off and JWTs checked against a static public key
 * (test/security/auth/closed.yaml): scopes come from the `scp` list, and the metadata names the
 * public URL the pipeline gives.
 */
let server: RunningServer;
let serverJs: string;
let key: TestKey;
let other: TestKey;
const claims = (extra: Record<string, unknown> = {}) => ({ iss: 'https://issuer.test', aud: 'closed', sub: 'bob', ...extra });

beforeAll(async () => {
  [key, other] = await Promise.all([makeKey('k', 'ES256'), makeKey('k', 'ES256')]);
  serverJs = buildPipeline('test/security/auth/closed.yaml', 'closed');
  server = await startHttpServer(serverJs, { env: { JWT_PUBLIC_KEY: key.publicPem } });
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const list = (authorization?: string) =>
  rawRequest(server.url, {
    headers: { ...LEGACY_HEADERS, ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });

describe('anonymous callers refused, a static public key', () => {
  it('a request without a token gets 401 naming the metadata, with no error code (RFC 6750 §3.1)', async () => {
    const response = await list();
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error_description="this server requires a bearer token"',
    );
  });

  it('a token signed by the configured key, with scopes in scp, sees the scoped tool', async () => {
    const response = await list(`Bearer ${await sign(key, claims({ scp: ['secrets:read'] }))}`);
    expect(response.status).toBe(200);
    expect((rpcResult(response.body).result as unknown as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toEqual([
      'read_secrets',
      'read_public',
    ]);
  });

  it('scopes in the claim the pipeline does not name are not granted', async () => {
    const response = await list(`Bearer ${await sign(key, claims({ scope: 'secrets:read' }))}`);
    expect((rpcResult(response.body).result as unknown as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toEqual(['read_public']);
  });

  it('a token signed by another key is refused', async () => {
    const response = await list(`Bearer ${await sign(other, claims())}`);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('an RS256 token is refused: the pipeline lists ES256 only', async () => {
    const rsa = await makeKey('k', 'RS256');
    const response = await list(`Bearer ${await sign(rsa, claims())}`);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).error.message).toMatch(/algorithm/);
  });

  it('the metadata names the public URL the pipeline gives, and health needs no token', async () => {
    const metadata = await rawRequest(new URL('/.well-known/oauth-protected-resource/mcp', server.url).href, { method: 'GET' });
    expect(JSON.parse(metadata.body)).toMatchObject({ resource: 'https://mcp.example.com/mcp', authorization_servers: ['https://issuer.test'] });
    const health = await rawRequest(new URL('/healthz', server.url).href, { method: 'GET' });
    expect(health.status).toBe(200);
  });

  it('a JWKS over plain HTTP to another machine stops the start', async () => {
    const open = buildPipeline('test/security/auth/open.yaml', 'authz');
    const result = await runToExit(open, { env: { JWKS_URL: 'http://keys.example.com/jwks.json', KEYS_FILE: '/dev/null' }, cwd: process.cwd() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('auth.jwt.jwks_url must be an https:// address');
  });

  it('a public key that is not PEM stops the start with a message that does not echo it', async () => {
    const result = await runToExit(serverJs, { env: { JWT_PUBLIC_KEY: 'not-a-key-SECRETISH' }, cwd: process.cwd() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('auth.jwt.public_key is not a PEM public key');
    expect(result.stderr).not.toContain('SECRETISH');
  });
});
