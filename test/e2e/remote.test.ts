import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegacyClickHouse, type LegacyClickHouse } from '../support/legacy-clickhouse.js';
import { outsideDir } from '../support/paths.js';
import { buildPipeline, connectHttp, runToExit as runServerToExit, startHttpServer } from '../support/servers.js';

let serverJs: string;
beforeAll(() => {
  serverJs = buildPipeline('test/e2e/pipelines/remote.yaml', 'remote');
});

/** Runs the server to completion and returns its exit code and log. */
const runToExit = (env: NodeJS.ProcessEnv) => runServerToExit(serverJs, { cwd: outsideDir('remote'), env });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', () => ready()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('a remote ClickHouse too old to bind query parameters (Debian clickhouse-server 18.16)', () => {
  let legacy: LegacyClickHouse | undefined;
  beforeAll(async () => {
    const started = await startLegacyClickHouse();
    if ('skipped' in started) throw new Error(`the legacy ClickHouse server is required for this test: ${started.skipped}`);
    legacy = started;
  });
  afterAll(async () => {
    await legacy?.stop();
  });

  it('is refused at start with a message that names its version and the one required', async () => {
    expect(legacy!.version).toMatch(/^18\./);
    const { code, stderr } = await runToExit({ CLICKHOUSE_URL: legacy!.url, CLICKHOUSE_PASSWORD: '' });
    expect(code).toBe(1);
    const refusal = stderr.split('\n').find((line) => line.includes('cannot start'));
    expect(refusal).toBeDefined();
    const { msg } = JSON.parse(refusal!) as { msg: string };
    expect(msg).toBe(
      `cannot start: source 'db': ClickHouse at ${legacy!.url} is version ${legacy!.version}, which cannot bind query parameters ({name:Type}); ` +
        'mcpc binds every value server-side and never splices it into SQL, so it needs ClickHouse 19.11 or later',
    );
  });
});

describe('remote sources at start', () => {
  it('refuses to start without a secret the pipeline needs, naming it but no value', async () => {
    const { code, stderr } = await runToExit({ CLICKHOUSE_URL: 'http://127.0.0.1:1', CLICKHOUSE_PASSWORD: undefined, MCPC_SECRETS_DIR: undefined });
    expect(code).toBe(1);
    expect(stderr).toContain("source 'db' password needs secret CLICKHOUSE_PASSWORD");
  });

  it('refuses a URL that is not http(s)', async () => {
    const { code, stderr } = await runToExit({ CLICKHOUSE_URL: 'ftp://example.com', CLICKHOUSE_PASSWORD: 'x' });
    expect(code).toBe(1);
    expect(stderr).toContain('url must be an http:// or https:// address');
  });

  it('starts degraded when the server is down, reports it, and answers calls with SOURCE.UNAVAILABLE', async () => {
    const port = await closedPort();
    const server = await startHttpServer(serverJs, { env: { CLICKHOUSE_URL: `http://127.0.0.1:${port}`, CLICKHOUSE_PASSWORD: 'never-logged' } });
    try {
      expect(server.log()).toContain('source unreachable at start; serving degraded');
      const health = await fetch(server.url.replace('/mcp', '/healthz'));
      // Degraded, not unhealthy: a restart or another replica would meet the same outage.
      expect(health.status).toBe(200);
      const report = (await health.json()) as { status: string; sources: { db: { status: string; engine: string } } };
      expect(report).toMatchObject({ status: 'degraded', sources: { db: { status: 'down', engine: 'remote' } } });

      const client = await connectHttp(server.url, 'legacy');
      const result = await client.callTool({ name: 'numbers', arguments: { n: 3 } });
      expect(result.isError).toBe(true);
      expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(/^SOURCE\.UNAVAILABLE: the ClickHouse source is unavailable/);
      await client.close();
      expect(server.log()).not.toContain('never-logged');
    } finally {
      await server.stop();
    }
  });
});
