import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseFront, type FrontProcess } from '../support/clickhouse-front-process.js';
import { repoRoot } from '../support/paths.js';
import { buildPipeline, type RunningServer, startHttpServer } from '../support/servers.js';
import { makeKey, sign, type TestKey } from '../support/tokens.js';

/**
 * ClickHouse roles (test/e2e/roles/roles.yaml) over the ClickHouse HTTP front, which records the
 * `role` parameters of every query it receives (GET /__front/roles): an anonymous caller's
 * queries carry the roles of the resources the tool touches; a JWT caller's carry the roles its
 * `ch_roles` claim names that the pipeline allows, and no other; a JWT caller whose claim names no
 * allowed role is refused before any query reaches the front; no argument changes a role.
 */
const PASSWORD = 'roles-front-password';
let front: FrontProcess;
let server: RunningServer;
let key: TestKey;
const clients: Client[] = [];

beforeAll(async () => {
  key = await makeKey('roles');
  const serverJs = buildPipeline('test/e2e/roles/roles.yaml', 'roles');
  const dir = join(repoRoot, 'test', 'e2e');
  front = await startClickHouseFront({
    dataDir: mkdtempSync(join(tmpdir(), 'mcpc-roles-front-')),
    password: PASSWORD,
    seedFiles: [join(dir, 'roles', 'schema.sql'), join(dir, 'remote-front', 'data.sql')],
  });
  server = await startHttpServer(serverJs, {
    env: {
      CLICKHOUSE_URL: front.url,
      CLICKHOUSE_PASSWORD: PASSWORD,
      JWT_PUBLIC_KEY: key.publicPem,
      LOCAL_DATA: mkdtempSync(join(tmpdir(), 'mcpc-roles-local-')),
    },
  });
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
  await front?.stop();
});

async function clientWith(claims?: Record<string, unknown>): Promise<Client> {
  const token = claims === undefined ? undefined : await sign(key, { iss: 'https://id.example.com', aud: 'roles-mcp', sub: 'someone', ...claims });
  const client = new Client({ name: 'roles-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  clients.push(client);
  return client;
}

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
const requestIdOf = (result: Result) => String((result._meta as Record<string, unknown>)['mcpc/request_id']);

/** The roles of every query the front received for this call (its query id, or a step's, starts with the request id). */
async function rolesSent(result: Result): Promise<string[][]> {
  const id = requestIdOf(result);
  return (await front.roles()).filter((entry) => entry.query_id === id || entry.query_id.startsWith(`${id}.`)).map((entry) => entry.roles);
}

describe('ClickHouse roles on a remote source', () => {
  it('says at start that roles do not apply to the source on the embedded engine', () => {
    const warnings = server
      .log()
      .split('\n')
      .filter((line) => line.includes('roles do not apply on the embedded engine'));
    expect(warnings.some((line) => line.includes('"source":"local"') && line.includes('"notes"'))).toBe(true);
    expect(warnings.some((line) => line.includes("'ch_roles' claim"))).toBe(true);
    expect(warnings.every((line) => !line.includes('"source":"db"'))).toBe(true);
  });

  it("runs an anonymous caller's queries of every kind under the roles of the resources the tool touches", async () => {
    const anonymous = await clientWith();
    const query = await anonymous.callTool({ name: 'events_of_kind', arguments: { kind: 'click' } });
    expect(query.isError, text(query)).toBeFalsy();
    expect(await rolesSent(query)).toEqual([['public_reader']]);

    const sql = await anonymous.callTool({ name: 'explore', arguments: { sql: 'SELECT count() AS n FROM events' } });
    expect(sql.isError, text(sql)).toBeFalsy();
    expect(await rolesSent(sql)).toEqual([['public_reader']]);

    const stream = await anonymous.callTool({ name: 'all_events', arguments: {} });
    expect(stream.isError, text(stream)).toBeFalsy();
    const streamed = await rolesSent(stream);
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed.every((roles) => roles.length === 1 && roles[0] === 'public_reader')).toBe(true);

    const insert = await anonymous.callTool({ name: 'record', arguments: { rows: [{ id: 7, note: 'roles' }], idempotency_key: 'roles-anonymous-once' } });
    expect(insert.isError, text(insert)).toBeFalsy();
    expect(await rolesSent(insert)).toEqual([['note_writer']]);
  });

  it("runs a JWT caller's queries under the allowed roles its claim names, never a disallowed one nor the resources'", async () => {
    const caller = await clientWith({ ch_roles: ['auditor', 'admin', 'analyst', 'default'] });
    const result = await caller.callTool({ name: 'events_of_kind', arguments: { kind: 'view' } });
    expect(result.isError, text(result)).toBeFalsy();
    expect(await rolesSent(result)).toEqual([['analyst', 'auditor']]);

    const spaced = await clientWith({ ch_roles: 'analyst superuser' });
    const one = await spaced.callTool({ name: 'explore', arguments: { sql: 'SELECT 1 AS one FROM events LIMIT 1' } });
    expect(one.isError, text(one)).toBeFalsy();
    expect(await rolesSent(one)).toEqual([['analyst']]);
  });

  it('refuses a JWT caller whose claim names no allowed role before any query reaches the server', async () => {
    for (const claims of [{}, { ch_roles: ['admin'] }, { ch_roles: 42 }, { ch_roles: ['analyst', 7] }, { ch_roles: 'ANALYST' }]) {
      const caller = await clientWith(claims);
      const before = (await front.roles()).length;
      for (const [name, args] of [
        ['events_of_kind', { kind: 'click' }],
        ['record', { rows: [{ id: 8, note: 'never' }], idempotency_key: 'roles-refused' }],
        // A pipeline that reaches the ClickHouse server is refused whole, its embedded step included.
        ['events_then_notes', { kind: 'click' }],
      ] as const) {
        const result = await caller.callTool({ name, arguments: args });
        expect(result.isError, `${JSON.stringify(claims)} ${name}`).toBe(true);
        expect(text(result)).toMatch(/^AUTH\.NO_ROLE: the token's 'ch_roles' claim names no ClickHouse role this server allows/);
        expect(text(result)).not.toContain('eyJ');
        expect((result._meta as Record<string, unknown>)['mcpc/error_code']).toBe('AUTH.NO_ROLE');
        // Not one query of this call (nor of a step of it) reached the front.
        expect(await rolesSent(result)).toEqual([]);
      }
      // Queries the server's own checks send (drift, health) carry no role: none of this caller's reached the front.
      expect((await front.roles()).slice(before).filter((entry) => entry.roles.length > 0)).toEqual([]);
      // A tool only on the embedded engine has no roles to refuse it.
      const local = await caller.callTool({ name: 'local_notes', arguments: {} });
      expect(local.isError, text(local)).toBeFalsy();
    }
  });

  it('takes no role from arguments or _meta', async () => {
    const anonymous = await clientWith();
    const extra = await anonymous.callTool({ name: 'events_of_kind', arguments: { kind: 'click', role: 'admin' } });
    expect(extra.isError).toBe(true);
    expect(text(extra)).toMatch(/^PARAMS\.INVALID/);
    const meta = await anonymous.callTool({ name: 'events_of_kind', arguments: { kind: 'click' }, _meta: { role: 'admin', roles: ['admin'] } });
    expect(meta.isError, text(meta)).toBeFalsy();
    expect(await rolesSent(meta)).toEqual([['public_reader']]);
    // SQL written by the agent cannot switch roles either: SET ROLE is not a SELECT.
    const set = await anonymous.callTool({ name: 'explore', arguments: { sql: 'SET ROLE admin' } });
    expect(set.isError).toBe(true);
    expect(text(set)).toMatch(/^SQL\.REFUSED/);
  });

  it('runs a pipeline step under the roles of the tool it calls', async () => {
    const caller = await clientWith();
    const result = await caller.callTool({ name: 'events_then_notes', arguments: { kind: 'buy' } });
    expect(result.isError, text(result)).toBeFalsy();
    // The step on the ClickHouse server carries its resource's role; the embedded step sends nothing to the front.
    expect(await rolesSent(result)).toEqual([['public_reader']]);
  });
});
