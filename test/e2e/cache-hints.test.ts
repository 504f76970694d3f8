import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpcBin, repoRoot } from '../support/paths.js';
import { LEGACY_HEADERS, rawRequest, rpcResult } from '../support/http.js';
import { buildPipeline, buildProject, connectHttp, startHttpServer, type RunningServer } from '../support/servers.js';

/**
 * Cache hints of list results (SEP-2549, protocol 2026-07-28): `ttlMs` from `server.list_ttl_s`
 * (default 30 s) and `cacheScope`, private where the lists depend on the caller; and nothing of
 * the kind in answers to clients of the 2025 protocols, whose results have no such fields.
 */
const run = promisify(execFile);
let orders: RunningServer;
let open: RunningServer;
/** An API key with every scope of the example, whose caller sees every tool. */
let allScopes: string;
beforeAll(async () => {
  const example = buildProject('pipelines/orders.yaml', 'orders');
  const minted = await run(process.execPath, [
    mcpcBin,
    'keys',
    'add',
    'all',
    '--scopes',
    'orders:read,analytics:write',
    '--file',
    join(example.project, 'keys.txt'),
  ]);
  allScopes = minted.stdout.trim();
  [orders, open] = await Promise.all([startHttpServer(example.serverJs), startHttpServer(buildPipeline('test/e2e/caching/cache.yaml', 'cache'))]);
}, 120_000);
afterAll(async () => {
  await Promise.all([orders?.stop(), open?.stop()]);
});

describe('a 2026-07-28 client (the stock SDK client, negotiating it)', () => {
  it('gets private lists for 30 s by default from a server whose lists depend on the caller', async () => {
    const client = await connectHttp(orders.url, 'modern');
    try {
      const tools = await client.listTools();
      expect(tools).toMatchObject({ ttlMs: 30_000, cacheScope: 'private' });
      const resources = await client.listResources();
      expect(resources).toMatchObject({ ttlMs: 30_000, cacheScope: 'private' });
    } finally {
      await client.close();
    }
  });

  it('gets public lists, for list_ttl_s, from a server that shows every caller the same', async () => {
    const client = await connectHttp(open.url, 'modern');
    try {
      expect(await client.listTools()).toMatchObject({ ttlMs: 7000, cacheScope: 'public' });
      expect(await client.listResources()).toMatchObject({ ttlMs: 7000, cacheScope: 'public' });
    } finally {
      await client.close();
    }
  });
});

describe('clients of the 2025 protocols', () => {
  it('get list results without cache fields, from the stock client and on the wire', async () => {
    const client = await connectHttp(open.url, 'legacy');
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(['one']);
      expect(tools).not.toHaveProperty('ttlMs');
      expect(tools).not.toHaveProperty('cacheScope');
    } finally {
      await client.close();
    }
    for (const method of ['tools/list', 'resources/list']) {
      const response = await rawRequest(orders.url, { headers: LEGACY_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: {} }) });
      const result = rpcResult(response.body).result as Record<string, unknown>;
      expect(Object.keys(result).sort()).toEqual([method === 'tools/list' ? 'tools' : 'resources']);
    }
  });
});

describe('the token estimate of `mcpc check`', () => {
  it('is made from exactly the tools/list each caller is served: anonymous, and every tool (inserts and writing pipelines too)', async () => {
    // Not spawnSync: a blocked test process lets the server close its idle keep-alive socket under the next request.
    const check = await run(process.execPath, [mcpcBin, 'check', 'pipelines/orders.yaml'], { cwd: repoRoot, encoding: 'utf8' });
    const estimate = (caller: string) => Number(new RegExp(`^ {2}${caller} +\\d+ tools +~([\\d,]+) tokens$`, 'm').exec(check.stderr)?.[1]?.replace(/,/g, ''));
    const served = async (authorization?: string) => {
      const response = await rawRequest(orders.url, {
        headers: { ...LEGACY_HEADERS, ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      return Math.ceil(JSON.stringify(rpcResult(response.body).result).length / 4);
    };
    expect(estimate('anonymous')).toBe(await served());
    expect(estimate('scopes analytics:write,orders:read')).toBe(await served(`Bearer ${allScopes}`));
  }, 60_000);
});
