import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPhases, healthUntil, terminate } from '../support/calls.js';
import { type LegacyClickHouse, startLegacyClickHouse } from '../support/legacy-clickhouse.js';
import { scratchDir } from '../support/paths.js';
import { buildProject, type RunningServer, startHttpServer } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * The audit on a ClickHouse table of its own (test/e2e/audit/clickhouse.yaml), on a real
 * ClickHouse server (Debian's 18.16, which takes the audit's inserts over HTTP) reached through
 * a loopback TCP proxy that the test cuts and restores. The data source stays embedded.
 */
let clickhouse: LegacyClickHouse | undefined;
let skipped: string | undefined;
let proxy: TcpProxy | undefined;
let server: RunningServer | undefined;
beforeAll(async () => {
  const started = await startLegacyClickHouse();
  if ('skipped' in started) skipped = started.skipped;
  else clickhouse = started;
}, 90_000);
afterAll(async () => {
  await server?.stop();
  await proxy?.close();
  await clickhouse?.stop();
});

describe('the audit on a ClickHouse server', () => {
  it('keeps answering while the connection to the audit server is cut, and loses no record once it is back', async (context) => {
    if (skipped) context.skip(skipped);
    const target = new URL(clickhouse!.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port));
    const { serverJs } = buildProject('test/e2e/audit/clickhouse.yaml', 'audited_ch');
    server = await startHttpServer(serverJs, { env: { AUDIT_URL: proxy.url, AUDIT_SPOOL: join(scratchDir('audit-ch-spool'), 'spool') } });
    const url = server.url;
    const { ids, errors: failed, phase } = echoPhases(url);
    await phase(150);
    proxy.cut();
    await phase(300);
    const during = await healthUntil(url, (h) => h.audit?.status === 'down', 15_000);
    expect(during.ok, JSON.stringify(during.last)).toBe(true);
    const spooledWhileDown = during.last.audit!.spooled;
    proxy.restore();
    await phase(150);
    const after = await healthUntil(url, (h) => h.audit?.status === 'ok' && h.audit.spooled === 0 && h.audit.queued === 0, 60_000);
    expect(after.ok, JSON.stringify(after.last)).toBe(true);
    expect(await terminate(server)).toBe(0);
    server = undefined;

    // Read straight from the server, not through the proxy.
    const reader = createClient({ url: clickhouse!.url });
    const rows = await (await reader.query({ query: 'SELECT request_id, toString(event_time) AS at FROM mcp_audit', format: 'JSONEachRow' })).json<{
      request_id: string;
      at: string;
    }>();
    await reader.close();
    const recorded = new Set(rows.map((r) => r.request_id));
    const missing = ids.filter((id) => !recorded.has(id));
    console.log(
      `audit ClickHouse sink cut: calls ${ids.length + failed()}, errors ${failed()}, records ${rows.length}, distinct ${recorded.size}, ` +
        `missing ${missing.length}, sent twice ${rows.length - recorded.size} (at least once: an insert cut after it landed is resent), spooled while cut ${spooledWhileDown}, lost ${after.last.audit!.lost}`,
    );
    expect(failed()).toBe(0);
    expect(missing).toEqual([]);
    expect(recorded.size).toBe(600);
    // The time column is parsed by the server for ordering and filtering.
    expect(rows.every((r) => r.at.startsWith('20'))).toBe(true);
  }, 180_000);
});
