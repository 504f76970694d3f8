import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reproduceImage, type ReproducedImage } from '../support/dockerfile.js';
import { mcpcBin, outsideDir, repoRoot, scratchDir } from '../support/paths.js';
import { connectStdio, type RunningServer, startHttpServer } from '../support/servers.js';

/**
 * `mcpc build --bundle` of the example (pipelines/orders.yaml: an embedded source with a seed,
 * API keys, a tool of kind sql, whose guard runs in a process of its own), and the image its
 * Dockerfile describes, reproduced without docker in a directory outside the repository that has
 * no mcpc packages: only chDB, installed as package.json says. The server there is called over
 * HTTP (as `docker run IMAGE` serves) and over stdio (as `docker run -i IMAGE --transport stdio`).
 */
const ANONYMOUS_TOOLS = ['orders_by_region', 'summarize_orders', 'order_events_since', 'explore_orders'];

let bundleDir: string;
let buildLog: string;
let image: ReproducedImage;
let readerKey: string;
let server: RunningServer | undefined;

function mcpc(...args: string[]) {
  return spawnSync(process.execPath, [mcpcBin, ...args], { cwd: repoRoot, encoding: 'utf8' });
}

beforeAll(() => {
  const scratch = scratchDir('bundle');
  const project = join(scratch, 'project');
  cpSync(join(repoRoot, 'pipelines'), project, { recursive: true, filter: (path) => !path.includes('.mcpc') });
  // A key minted before the build is in the key file the bundle copies.
  readerKey = mcpc('keys', 'add', 'bundled-reader', '--scopes', 'orders:read', '--file', join(project, 'keys.txt')).stdout.trim();
  const built = mcpc('build', join(project, 'orders.yaml'), '--bundle', '--out', join(scratch, 'build'));
  if (built.status !== 0) throw new Error(`mcpc build --bundle failed (${built.status}):\n${built.stderr}`);
  buildLog = built.stderr;
  bundleDir = join(scratch, 'build', 'orders');
  image = reproduceImage(bundleDir, outsideDir('bundle-app'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (image) rmSync(image.appDir, { recursive: true, force: true });
});

describe('mcpc build --bundle', () => {
  it('writes server.mjs without the compiler, beside the plain build, a package.json that installs chDB alone, and a Dockerfile', () => {
    expect(buildLog).toMatch(/bundled → .*\/server\.mjs \(\d+\.\d MB\), with sql-guard-worker\.mjs, keys\.txt, package\.json, Dockerfile, \.dockerignore/);
    for (const plain of ['server.ts', 'server.js', 'manifest.json', 'seed/warehouse.sql']) expect(statSync(join(bundleDir, plain)).isFile()).toBe(true);

    const bundle = readFileSync(join(bundleDir, 'server.mjs'), 'utf8');
    const size = statSync(join(bundleDir, 'server.mjs')).size;
    const worker = statSync(join(bundleDir, 'sql-guard-worker.mjs')).size;
    console.log(`bundle: server.mjs ${(size / 1024 / 1024).toFixed(2)} MB, sql-guard-worker.mjs ${(worker / 1024).toFixed(1)} KB`);
    // esbuild heads each bundled module with its path: the SDK and the runtime are in, the compiler is not.
    const modules = [...bundle.matchAll(/^\/\/ (\S+\.[cm]?js)$/gm)].map((m) => m[1]!);
    const packages = new Set(modules.map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1]).filter((name) => name !== undefined));
    expect([...packages]).toEqual(expect.arrayContaining(['@modelcontextprotocol/server', '@clickhouse/client', 'ajv', 'ajv-formats', 'jose']));
    expect(modules).toContain('dist/runtime/serve.js');
    for (const compiler of ['typescript', 'ts-morph', '@ts-morph/common', 'yaml', 'graphology', 'chdb']) expect(packages.has(compiler), compiler).toBe(false);
    expect(modules.filter((path) => path.includes('compiler/'))).toEqual([]);
    // chDB stays a package of its own, loaded when a source opens.
    expect(bundle.includes('import("chdb")')).toBe(true);

    const installed = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'chdb', 'package.json'), 'utf8')) as { version: string }).version;
    const manifest = JSON.parse(readFileSync(join(bundleDir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'orders', version: '1.0.0', private: true, type: 'module', dependencies: { chdb: installed } });
    expect(Object.keys(manifest.dependencies)).toEqual(['chdb']);

    // The copied key file keeps the owner-only mode `mcpc keys add` gives it.
    expect(statSync(join(bundleDir, 'keys.txt')).mode & 0o077).toBe(0);
    expect(readFileSync(join(bundleDir, '.dockerignore'), 'utf8')).toBe('node_modules\n.mcpc/warehouse\n');
  });

  it('describes an image that serves HTTP on every interface at the pipeline port, as a user other than root', () => {
    expect(image.command).toEqual(['node', 'server.mjs', '--transport', 'http', '--host', '0.0.0.0', '--port', '8080']);
    expect(image.exposed).toEqual([8080]);
    expect(image.user).toBe('node');
    expect(image.env).toEqual({ NODE_ENV: 'production' });
  });

  it('the image holds nothing of mcpc but the bundle: its packages cannot be found there', () => {
    const from = createRequire(join(image.appDir, 'server.mjs'));
    for (const name of ['mcpc/runtime', '@modelcontextprotocol/server', '@clickhouse/client', 'ajv', 'ajv-formats', 'jose', 'typescript'])
      expect(() => from.resolve(name), name).toThrow();
    expect(from.resolve('chdb')).toBe(join(image.appDir, 'node_modules', 'chdb', 'index.js'));
  });

  it('serves over HTTP there: anonymous tools, a SQL tool checked by the bundled guard, and a key from the copied key file', async () => {
    const [node, entry, ...args] = image.command;
    expect([node, entry]).toEqual(['node', 'server.mjs']);
    // Loopback and a free port here, instead of 0.0.0.0:8080 (the later flags win).
    server = await startHttpServer(join(image.appDir, entry!), { cwd: image.appDir, env: image.env, args: [...args, '--host', '127.0.0.1', '--port', '0'] });
    expect(server.log()).toContain(`"path":"${join(image.appDir, '.mcpc', 'warehouse')}"`);
    const health = (await (await fetch(new URL('/healthz', server.url))).json()) as { status: string };
    expect(health.status).toBe('ok');

    const anonymous = new Client({ name: 'bundle-test', version: '1.0.0' });
    await anonymous.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    expect((await anonymous.listTools()).tools.map((t) => t.name)).toEqual(ANONYMOUS_TOOLS);
    const regions = await anonymous.callTool({ name: 'orders_by_region', arguments: { from: '2024-01-01', to: '2024-12-31' } });
    expect(regions.isError).toBeFalsy();
    expect((regions.structuredContent as { row_count: number }).row_count).toBeGreaterThan(0);
    const sql = await anonymous.callTool({ name: 'explore_orders', arguments: { sql: 'SELECT count() AS n FROM orders_anon' } });
    expect(sql.isError).toBeFalsy();
    expect(sql.structuredContent).toMatchObject({ rows: [{ n: '5000' }] });
    const refused = await anonymous.callTool({ name: 'explore_orders', arguments: { sql: 'SELECT customer FROM orders' } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('it reads orders, which this tool may not read');
    await anonymous.close();

    const reader = new Client({ name: 'bundle-test', version: '1.0.0' });
    await reader.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${readerKey}` } } }));
    const orders = await reader.callTool({ name: 'query_orders', arguments: { from: '2024-01-01', to: '2024-01-01', limit: 2 } });
    expect(orders.isError).toBeFalsy();
    expect((orders.structuredContent as { row_count: number }).row_count).toBe(2);
    await reader.close();
    // One process serves an embedded data directory at a time: stdio comes next.
    await server.stop();
    server = undefined;
  });

  it('serves over stdio there, as `docker run -i IMAGE --transport stdio` runs it', async () => {
    const { client, stderr } = await connectStdio(join(image.appDir, 'server.mjs'), { cwd: image.appDir, env: image.env });
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('query_orders');
      const sql = await client.callTool({
        name: 'explore_orders',
        arguments: { sql: 'SELECT region, count() AS n FROM orders_anon GROUP BY region ORDER BY region' },
      });
      expect(sql.isError, stderr()).toBeFalsy();
      expect((sql.structuredContent as { row_count: number }).row_count).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('says what an image of a server on a ClickHouse server needs from outside: no database directory, a key file to mount', () => {
    const dir = outsideDir('bundle-remote');
    const pipeline = join(dir, 'project', 'pipeline.yaml');
    mkdirSync(dirname(pipeline));
    writeFileSync(
      pipeline,
      [
        'mcpc: 1',
        'server: { name: Remote-Only, version: 0.2.0, http: { port: 9000 } }',
        'sources:',
        '  db: { kind: clickhouse, url: "${env:CLICKHOUSE_URL}" }',
        'auth: { api_keys: { file: ../keys.txt }, anonymous: true }',
        'tools:',
        '  ping: { kind: query, description: Says pong, sql: "SELECT \'pong\' AS answer" }',
        '',
      ].join('\n'),
    );
    const built = mcpc('build', pipeline, '--bundle', '--out', join(dir, 'build'));
    expect(built.status, built.stderr).toBe(0);
    expect(built.stderr).toContain(`warning: auth.api_keys.file ../keys.txt is outside the pipeline's directory, so it is not in the image: mount it there`);
    expect(built.stderr).toMatch(/bundled → .*server\.mjs \(\d+\.\d MB\), with package\.json, Dockerfile, \.dockerignore\n/);
    const out = join(dir, 'build', 'Remote-Only');
    const remote = reproduceImage(out, join(dir, 'app'));
    expect(remote.command).toEqual(['node', 'server.mjs', '--transport', 'http', '--host', '0.0.0.0', '--port', '9000']);
    expect(remote.exposed).toEqual([9000]);
    const dockerfile = readFileSync(join(out, 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toContain('mkdir');
    expect(dockerfile).toContain('COPY server.mjs ./\n');
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')).name).toBe('remote-only');
    // A later build without --bundle says that the bundle beside it is now out of date.
    const plain = mcpc('build', pipeline, '--out', join(dir, 'build'));
    expect(plain.status).toBe(0);
    expect(plain.stderr).toContain('server.mjs is from an earlier `mcpc build --bundle` and does not serve this build');
    rmSync(dir, { recursive: true, force: true });
  });

  it('--bundle belongs to build alone, and the usage says what it writes', () => {
    const check = mcpc('check', 'pipelines/orders.yaml', '--bundle');
    expect(check.status).toBe(2);
    expect(check.stderr).toContain("--bundle does not apply to 'check'");
    expect(mcpc('--help').stdout).toMatch(/\[--bundle\] +also write server\.mjs/);
  });
});
