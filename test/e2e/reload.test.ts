import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpcBin, outsideDir, repoRoot, scratchDir } from '../support/paths.js';
import { type RunningServer, startHttpServer } from '../support/servers.js';

/** A server that serves one embedded table, `events`, with a tool that counts its rows and one that takes seconds to. */
const V1 = `mcpc: 1
server: { name: reloading, version: 1.0.0 }
sources:
  db: { kind: clickhouse, seed: seed/db.sql, limits: { max_execution_time_s: 60 } }
resources:
  events: { source: db, table: events, access: anonymous }
tools:
  count_events:
    kind: query
    description: How many events there are
    reads: [events]
    sql: SELECT count() AS n FROM events
  slow_count:
    kind: query
    description: How many events there are, slowly
    reads: [events]
    sql: SELECT count() AS n, sum(sleepEachRow(0.5)) AS slept FROM events
`;

/** V1 with count_events's SQL changed, slow_count removed and max_event added. */
const V2 =
  V1.replace('SELECT count() AS n FROM events', 'SELECT count() * 10 AS n FROM events').replace(/ {2}slow_count:[\s\S]*$/, '') +
  `  max_event:
    kind: query
    description: The highest event id
    reads: [events]
    sql: SELECT max(id) AS top FROM events
`;

/** V2 with one more tool, over a new resource. */
const V3 = `${V2.replace('resources:\n', 'resources:\n  first_events: { source: db, table: events, access: anonymous, description: The same events as min_event reads them }\n')}  min_event:
    kind: query
    description: The lowest event id
    reads: [first_events]
    sql: SELECT min(id) AS bottom FROM events
`;

const SEED = 'CREATE TABLE events (id UInt32) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events SELECT number + 1 FROM numbers(6);\n';

interface Project {
  pipeline: string;
  out: string;
  serverJs: string;
}

function project(prefix: string): Project {
  const dir = scratchDir(prefix);
  mkdirSync(join(dir, 'seed'));
  writeFileSync(join(dir, 'seed', 'db.sql'), SEED);
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(pipeline, V1);
  const out = join(dir, 'build');
  return { pipeline, out, serverJs: join(out, 'reloading', 'server.js') };
}

/** `mcpc build`, as a user runs it beside the running server (not blocking this process, whose clients must hear the server meanwhile). */
function mcpcBuild(pipeline: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mcpcBin, 'build', pipeline, '--out', out], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mcpc build failed (${code}): ${stderr}`))));
  });
}

/**
 * Puts a build made elsewhere in place the way `mcpc build` writes one (compiler/cli/output-files.ts):
 * each file renamed over its target, server.js last.
 */
function install(from: string, to: string): void {
  const files = readdirSync(from, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(from.length + 1))
    .sort((a, b) => Number(a === 'server.js') - Number(b === 'server.js'));
  for (const name of files) {
    mkdirSync(dirname(join(to, name)), { recursive: true });
    copyFileSync(join(from, name), `${join(to, name)}.tmp`);
    renameSync(`${join(to, name)}.tmp`, join(to, name));
  }
}

/** Replaces a file as a build does: written beside it, renamed over it. */
function replaceFile(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

/** Collects the lists a client is told changed (the SDK client refreshes them on each notification). */
function listWatcher() {
  const tools: string[][] = [];
  const resources: string[][] = [];
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  return {
    tools,
    resources,
    options: {
      listChanged: {
        tools: {
          debounceMs: 0,
          onChanged: (_e: unknown, items: Array<{ name: string }> | null) => {
            tools.push((items ?? []).map((t) => t.name));
            wake();
          },
        },
        resources: {
          debounceMs: 0,
          onChanged: (_e: unknown, items: Array<{ uri: string }> | null) => {
            resources.push((items ?? []).map((r) => r.uri));
            wake();
          },
        },
      },
    },
    /** Resolves when `test` holds, checked on each notification. */
    async until(test: () => boolean): Promise<void> {
      while (!test()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

function structured(result: unknown): { rows: Array<Record<string, unknown>> } {
  return (result as { structuredContent: { rows: Array<Record<string, unknown>> } }).structuredContent;
}

describe('live reload over HTTP', () => {
  let p: Project;
  let prebuilt: string;
  let server: RunningServer;
  let client: Client;
  /** A 2025-era client: served statelessly, it hears no notification, but its next request meets the new build. */
  let legacy: Client;
  const lists = listWatcher();

  beforeAll(async () => {
    p = project('reload-http');
    await mcpcBuild(p.pipeline, p.out);
    // V2 is built now, apart, so it can be put in place while a call runs.
    writeFileSync(p.pipeline, V2);
    prebuilt = join(dirname(p.out), 'prebuilt');
    await mcpcBuild(p.pipeline, prebuilt);
    server = await startHttpServer(p.serverJs);
    client = new Client({ name: 'mcpc-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...lists.options });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    legacy = new Client({ name: 'mcpc-test-legacy', version: '1.0.0' });
    await legacy.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  });
  afterAll(async () => {
    await client?.close();
    await legacy?.close();
    await server?.stop();
  });

  it('declares listChanged for tools and resources', () => {
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, resources: { listChanged: true } });
  });

  it('swaps in a new build while a call of a tool it removes runs: the call finishes, the client hears list_changed', async () => {
    let settled = false;
    const slow = client.callTool({ name: 'slow_count', arguments: {} }).finally(() => (settled = true));
    // The call is running on the server before the new build arrives.
    for (;;) {
      const health = (await (await fetch(server.url.replace('/mcp', '/healthz'))).json()) as { calls: { running: number } };
      if (health.calls.running >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    install(join(prebuilt, 'reloading'), dirname(p.serverJs));
    await lists.until(() => lists.tools.some((names) => names.includes('max_event')));
    expect(settled).toBe(false);
    const result = await slow;
    expect(result.isError).toBeFalsy();
    expect(structured(result).rows).toEqual([{ n: '6', slept: '0' }]);
    expect(lists.tools.at(-1)).toEqual(['count_events', 'max_event']);
  });

  it('serves the new build on the same connection: a new tool, changed SQL, and a removed tool answered like an unknown one', async () => {
    expect(structured(await client.callTool({ name: 'max_event', arguments: {} })).rows).toEqual([{ top: 6 }]);
    expect(structured(await client.callTool({ name: 'count_events', arguments: {} })).rows).toEqual([{ n: '60' }]);
    const removed = await client.callTool({ name: 'slow_count', arguments: {} }).then(
      (r) => ({ result: r }),
      (e: Error) => ({ error: e.message.replace('slow_count', 'NAME') }),
    );
    const unknown = await client.callTool({ name: 'never_defined', arguments: {} }).then(
      (r) => ({ result: r }),
      (e: Error) => ({ error: e.message.replace('never_defined', 'NAME') }),
    );
    expect(removed).toEqual(unknown);
    expect(server.log()).toContain('"msg":"reloaded"');
    const health = (await (await fetch(server.url.replace('/mcp', '/healthz'))).json()) as { server: { content_hash: string } };
    const manifest = JSON.parse(readFileSync(join(prebuilt, 'reloading', 'manifest.json'), 'utf8')) as { content_hash: string };
    expect(health.server.content_hash).toBe(manifest.content_hash);
    expect(structured(await legacy.callTool({ name: 'max_event', arguments: {} })).rows).toEqual([{ top: 6 }]);
  });

  it('takes a build that `mcpc build` writes over the served one', async () => {
    writeFileSync(p.pipeline, V3);
    await mcpcBuild(p.pipeline, p.out);
    await lists.until(() => lists.tools.some((names) => names.includes('min_event')));
    await lists.until(() => lists.resources.some((uris) => uris.includes('mcpc://reloading/first_events')));
    expect(lists.resources.at(-1)).toEqual(['mcpc://reloading/first_events', 'mcpc://reloading/events', 'mcpc://health', 'mcpc://manifest']);
    expect(structured(await client.callTool({ name: 'min_event', arguments: {} })).rows).toEqual([{ bottom: 1 }]);
  });

  it('refuses a build that does not load, and one that changes what needs a restart; the running build keeps serving', async () => {
    const built = readFileSync(p.serverJs, 'utf8');
    replaceFile(p.serverJs, 'export const spec = ;\n');
    await waitForLog(server, 'reload refused: the new build does not load');
    expect(built).toContain('maxExecutionTimeS: 60');
    replaceFile(p.serverJs, built.replace('maxExecutionTimeS: 60', 'maxExecutionTimeS: 30'));
    await waitForLog(server, 'reload refused: the new build changes sources, which only a restart applies');
    expect(structured(await client.callTool({ name: 'min_event', arguments: {} })).rows).toEqual([{ bottom: 1 }]);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['count_events', 'max_event', 'min_event']);
  });
});

describe.each([
  ['2025-11-25', {}],
  ['2026-07-28', { versionNegotiation: { mode: { pin: '2026-07-28' } } }],
] as const)('live reload over stdio, a client on %s', (version, negotiation) => {
  let p: Project;
  let client: Client;
  const lists = listWatcher();

  beforeAll(async () => {
    p = project('reload-stdio');
    await mcpcBuild(p.pipeline, p.out);
    client = new Client({ name: 'mcpc-test', version: '1.0.0' }, { ...negotiation, ...lists.options });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [p.serverJs, '--transport', 'stdio'],
        cwd: outsideDir('stdio'),
        env: { PATH: process.env.PATH ?? '' },
        stderr: 'ignore',
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
  });

  it('tells the client of a new build and serves its tools on the same connection', async () => {
    expect(client.getNegotiatedProtocolVersion()).toBe(version);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['count_events', 'slow_count']);
    writeFileSync(p.pipeline, V2);
    await mcpcBuild(p.pipeline, p.out);
    await lists.until(() => lists.tools.some((names) => names.includes('max_event')));
    expect(lists.tools.at(-1)).toEqual(['count_events', 'max_event']);
    expect(structured(await client.callTool({ name: 'max_event', arguments: {} })).rows).toEqual([{ top: 6 }]);
  });
});

async function waitForLog(server: RunningServer, text: string): Promise<void> {
  while (!server.log().includes(text)) await new Promise((resolve) => setTimeout(resolve, 50));
}
