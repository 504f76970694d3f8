import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpcBin } from '../support/paths.js';
import { buildProject, connectStdio, type RunningServer, startHttpServer } from '../support/servers.js';
import { JwksServer, makeKey, sign, type TestKey } from '../support/tokens.js';

/**
 * The example's pattern (pipelines/orders.yaml): JWT and API-key callers with orders:read see
 * production_orders and the tools over it; anonymous callers only anonymized_orders and its
 * tools; over stdio, the operator sees everything and MCPC_TOKEN makes the caller the token's.
 */
const ANONYMOUS_TOOLS = ['orders_by_region', 'summarize_orders', 'order_events_since', 'explore_orders'];
const READER_TOOLS = ['query_orders', 'orders_by_region', 'summarize_orders', 'order_events_since', 'explore_orders'];
const ALL_TOOLS = [...READER_TOOLS, 'notify_analytics', 'order_analytics'];

const jwks = new JwksServer();
let server: RunningServer;
let serverJs: string;
let keysFile: string;
let readerKey: string;
let jwtKey: TestKey;

beforeAll(async () => {
  jwtKey = await makeKey('example');
  jwks.keys = [jwtKey];
  await jwks.start();
  const built = buildProject('pipelines/orders.yaml', 'orders');
  serverJs = built.serverJs;
  keysFile = join(built.project, 'keys.txt');
  const minted = spawnSync(process.execPath, [mcpcBin, 'keys', 'add', 'analyst', '--scopes', 'orders:read', '--file', keysFile], { encoding: 'utf8' });
  readerKey = minted.stdout.trim();
  server = await startHttpServer(serverJs, { env: { MCPC_JWKS_URL: jwks.url } });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await jwks.stop();
});

async function httpClient(token?: string): Promise<Client> {
  const client = new Client({ name: 'example-auth', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return client;
}

async function seen(client: Client): Promise<{ tools: string[]; resources: string[] }> {
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const resources = (await client.listResources()).resources.map((r) => r.name).filter((n) => n !== 'health' && n !== 'manifest');
  return { tools, resources };
}

interface ManifestView {
  content_hash: string;
  sources: Array<{ name: string }>;
  resources: Array<{ name: string }>;
  tools: Array<{ name: string; fingerprint: string }>;
  pipelines: Array<{ name: string; fingerprint: string }>;
}

/**
 * The manifest the caller reads as mcpc://manifest: it must list exactly the tools (with
 * pipelines) and resources the caller's lists show, so it names nothing hidden from the caller.
 */
async function manifestSeen(client: Client): Promise<ManifestView> {
  const read = await client.readResource({ uri: 'mcpc://manifest' });
  const manifest = JSON.parse((read.contents[0] as { text: string }).text) as ManifestView;
  const listed = await seen(client);
  expect([...manifest.tools, ...manifest.pipelines].map((t) => t.name).sort()).toEqual([...listed.tools].sort());
  expect(manifest.resources.map((r) => r.name).sort()).toEqual([...listed.resources].sort());
  for (const entry of [...manifest.tools, ...manifest.pipelines]) expect(entry.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  return manifest;
}

const onDisk = (): ManifestView => JSON.parse(readFileSync(join(dirname(serverJs), 'manifest.json'), 'utf8')) as ManifestView;

describe('mcpc://manifest, filtered per caller', () => {
  it('an anonymous caller reads a manifest of the anonymous tools and resources only', async () => {
    const client = await httpClient();
    const manifest = await manifestSeen(client);
    expect(manifest.pipelines).toEqual([]);
    expect(manifest.content_hash).toBe(onDisk().content_hash);
    await client.close();
  });

  it('an API key with orders:read reads one with query_orders and production_orders, and no pipeline that also writes', async () => {
    const client = await httpClient(readerKey);
    const manifest = await manifestSeen(client);
    expect(manifest.tools.map((t) => t.name)).toContain('query_orders');
    expect(manifest.pipelines).toEqual([]);
    await client.close();
  });

  it('a JWT with both scopes reads every tool and pipeline, with the fingerprints the build wrote', async () => {
    const token = await sign(jwtKey, { iss: 'https://id.example.com', aud: 'orders-mcp', sub: 'carol', scope: 'orders:read analytics:write' });
    const client = await httpClient(token);
    const manifest = await manifestSeen(client);
    expect(manifest.pipelines.map((p) => p.name)).toEqual(['order_analytics']);
    expect(manifest.tools).toEqual(onDisk().tools);
    await client.close();
  });

  it('a JWT without scopes is refused a scoped resource (step-up), and reads a manifest without it', async () => {
    const token = await sign(jwtKey, { iss: 'https://id.example.com', aud: 'orders-mcp', sub: 'erin' });
    const client = await httpClient(token);
    const manifest = await manifestSeen(client);
    expect(manifest.resources.map((r) => r.name)).not.toContain('production_orders');
    await expect(client.readResource({ uri: 'mcpc://orders/production_orders' })).rejects.toThrow(/Insufficient scope/);
    await client.close();
  });
});

describe('the example over HTTP', () => {
  it('an anonymous caller sees anonymized_orders and its tools only', async () => {
    const client = await httpClient();
    expect(await seen(client)).toEqual({ tools: ANONYMOUS_TOOLS, resources: ['anonymized_orders', 'order_events'] });
    await client.close();
  });

  it('an API key with orders:read sees production_orders and calls query_orders', async () => {
    const client = await httpClient(readerKey);
    expect(await seen(client)).toEqual({ tools: READER_TOOLS, resources: ['production_orders', 'anonymized_orders', 'order_events'] });
    const result = await client.callTool({ name: 'query_orders', arguments: { from: '2024-01-01', to: '2024-01-01', limit: 2 } });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { row_count: number }).row_count).toBe(2);
    await client.close();
  });

  it('a JWT with orders:read and analytics:write sees every tool', async () => {
    const token = await sign(jwtKey, { iss: 'https://id.example.com', aud: 'orders-mcp', sub: 'carol', scope: 'orders:read analytics:write' });
    const client = await httpClient(token);
    expect((await seen(client)).tools).toEqual(ALL_TOOLS);
    await client.close();
  });
});

describe('the example over stdio', () => {
  // One process serves an embedded data directory at a time: the HTTP server gives it up first.
  beforeAll(async () => {
    await server.stop();
  });

  it('without a token the caller is the local operator, who sees everything', async () => {
    const { client } = await connectStdio(serverJs);
    expect((await seen(client)).tools).toEqual(ALL_TOOLS);
    // The operator's manifest is the build's, whole.
    expect(await manifestSeen(client)).toEqual(onDisk());
    await client.close();
  });

  it('with MCPC_TOKEN set to an API key the caller is that key, and sees what its scopes allow', async () => {
    const { client } = await connectStdio(serverJs, { env: { MCPC_TOKEN: readerKey } });
    expect(await seen(client)).toEqual({ tools: READER_TOOLS, resources: ['production_orders', 'anonymized_orders', 'order_events'] });
    await client.close();
  });

  it('with MCPC_TOKEN set to a JWT the caller is its subject', async () => {
    const token = await sign(jwtKey, { iss: 'https://id.example.com', aud: 'orders-mcp', sub: 'dave' });
    const { client } = await connectStdio(serverJs, { env: { MCPC_TOKEN: token, MCPC_JWKS_URL: jwks.url } });
    expect((await seen(client)).tools).toEqual(ANONYMOUS_TOOLS);
    await client.close();
  });

  it('with a bad MCPC_TOKEN the server refuses to start, rather than serve as the operator', async () => {
    const wrong = `${readerKey.slice(0, -1)}${readerKey.endsWith('0') ? '1' : '0'}`;
    const result = spawnSync(process.execPath, [serverJs, '--transport', 'stdio'], {
      env: { PATH: process.env.PATH ?? '', MCPC_TOKEN: wrong },
      input: '',
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('MCPC_TOKEN: the API key is not valid');
    expect(result.stderr).not.toContain(wrong.slice(-64));
  });
});
