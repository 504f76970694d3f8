import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipeline, connectStdio, startHttpServer, type RunningServer } from '../support/servers.js';
import { makeKey, sign, type TestKey } from '../support/tokens.js';

/**
 * Budgets (test/e2e/budgets/budgets.yaml) on a generated server over HTTP, with stock clients:
 * one token per call from the caller's bucket of the tool's class, BUDGET.EXHAUSTED with a retry
 * hint once the bucket is empty, what is left in every result's `_meta`, anonymous callers told
 * apart by X-Forwarded-For (each test is a caller of its own), one token per pipeline call.
 */
let server: RunningServer;
let key: TestKey;
/** The server's environment: the public key its JWTs verify against. */
let env: Record<string, string>;
const clients: Client[] = [];
beforeAll(async () => {
  key = await makeKey('budgets', 'ES256');
  env = { BUDGETS_JWT_KEY: key.publicPem };
  server = await startHttpServer(buildPipeline('test/e2e/budgets/budgets.yaml', 'budgets'), { env });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
});

/** A client whose requests carry `X-Forwarded-For: forwardedFor`, as a proxy in front of the server would send, and a token when given one. */
async function callerAt(forwardedFor: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'mcpc-test', version: '1.0.0' });
  const headers = { 'x-forwarded-for': forwardedFor, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (result: Result) => ((result.content ?? []) as Array<{ text: string }>)[0]?.text ?? '';
const budget = (result: Result) => result._meta?.['mcpc/budget'] as { class: string; remaining: number; limit: number; per: string } | undefined;
const call = (client: Client, name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });

describe('budgets', () => {
  it('takes one token per call, says what is left in _meta, and refuses the call after the last with BUDGET.EXHAUSTED and a retry hint', async () => {
    const client = await callerAt('10.0.0.1');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await call(client, 'ping'));
    for (const result of results) expect(result.isError, text(result)).toBeFalsy();
    expect(results.map((r) => budget(r))).toEqual([2, 1, 0].map((remaining) => ({ class: 'analytical', remaining, limit: 3, per: 'hour' })));

    const refused = await call(client, 'ping');
    expect(refused.isError).toBe(true);
    expect(refused._meta?.['mcpc/error_code']).toBe('BUDGET.EXHAUSTED');
    expect(text(refused)).toMatch(/^BUDGET\.EXHAUSTED: the 'analytical' budget of 3 calls per hour is used up for this caller; retry after \d+ ms/);
    // 3 an hour: a token comes back every 20 minutes, and the bucket was emptied just now.
    const retryAfterMs = refused._meta?.['mcpc/retry_after_ms'] as number;
    expect(retryAfterMs).toBeGreaterThan(19 * 60_000);
    expect(retryAfterMs).toBeLessThanOrEqual(20 * 60_000);
    expect(budget(refused)).toEqual({ class: 'analytical', remaining: 0, limit: 3, per: 'hour' });
    expect(refused._meta?.['mcpc/request_id']).toEqual(expect.any(String));
  });

  it('keeps a bucket per anonymous caller, by the last X-Forwarded-For entry (the one the proxy wrote)', async () => {
    const spent = await callerAt('10.0.0.2');
    for (let i = 0; i < 3; i++) expect((await call(spent, 'ping')).isError).toBeFalsy();
    expect((await call(spent, 'ping'))._meta?.['mcpc/error_code']).toBe('BUDGET.EXHAUSTED');
    // Another caller still has its whole budget.
    const other = await callerAt('10.0.0.3');
    expect(budget(await call(other, 'ping'))?.remaining).toBe(2);
    // A client that writes its own first entry is still the caller the proxy saw: no fresh bucket.
    const forged = await callerAt('192.0.2.77, 10.0.0.2');
    expect((await call(forged, 'ping'))._meta?.['mcpc/error_code']).toBe('BUDGET.EXHAUSTED');
  });

  it('keeps a bucket per verified caller, by its identity, wherever it calls from', async () => {
    const token = await sign(key, { iss: 'https://issuer.test', aud: 'budgets', sub: 'ada' });
    const ada = await callerAt('10.0.1.1', token);
    const adaElsewhere = await callerAt('10.0.1.2', token);
    expect(budget(await call(ada, 'ping'))?.remaining).toBe(2);
    expect(budget(await call(adaElsewhere, 'ping'))?.remaining).toBe(1);
    // The anonymous caller at the same address is another caller, and so is another subject.
    expect(budget(await call(await callerAt('10.0.1.1'), 'ping'))?.remaining).toBe(2);
    const grace = await callerAt('10.0.1.1', await sign(key, { iss: 'https://issuer.test', aud: 'budgets', sub: 'grace' }));
    expect(budget(await call(grace, 'ping'))?.remaining).toBe(2);
  });

  it("charges a pipeline call one token of the pipeline's class, and its steps none", async () => {
    const client = await callerAt('10.0.0.4');
    const first = await call(client, 'count_twice');
    expect(first.isError, text(first)).toBeFalsy();
    expect(budget(first)).toEqual({ class: 'pipelines', remaining: 1, limit: 2, per: 'hour' });
    // Its two steps called count_events, whose class is `steps`: that bucket is still whole.
    expect(budget(await call(client, 'count_events'))).toEqual({ class: 'steps', remaining: 99, limit: 100, per: 'hour' });
    expect(budget(await call(client, 'count_twice'))?.remaining).toBe(0);
    const refused = await call(client, 'count_twice');
    expect(refused._meta?.['mcpc/error_code']).toBe('BUDGET.EXHAUSTED');
    expect(budget(await call(client, 'count_events'))?.remaining).toBe(98);
  });

  it('puts an insert tool, which names no class, in the write class, and counts a replayed call too', async () => {
    const client = await callerAt('10.0.0.5');
    const args = { rows: [{ id: 1, kind: 'click' }], idempotency_key: 'budget-write' };
    const first = await call(client, 'record_events', args);
    expect(first.isError, text(first)).toBeFalsy();
    expect(budget(first)).toEqual({ class: 'write', remaining: 1, limit: 2, per: 'hour' });
    // A retry is a call: it takes a token (before idempotency replays the first outcome).
    const replay = await call(client, 'record_events', args);
    expect(replay._meta?.['mcpc/replayed']).toBe(true);
    expect(budget(replay)?.remaining).toBe(0);
    expect((await call(client, 'record_events', args))._meta?.['mcpc/error_code']).toBe('BUDGET.EXHAUSTED');
    // The write class and the default class are separate buckets.
    expect(budget(await call(client, 'ping'))).toMatchObject({ class: 'analytical', remaining: 2 });
  });

  it('over stdio, has one caller: the client that launched the server', async () => {
    // A build of its own: its embedded data directory is one process's, and the HTTP server holds the other.
    const { client } = await connectStdio(buildPipeline('test/e2e/budgets/budgets.yaml', 'budgets'), { env });
    clients.push(client);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await call(client, 'ping'));
    expect(results.map((r) => budget(r)?.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]!._meta?.['mcpc/error_code']).toBe('BUDGET.EXHAUSTED');
  });
});
