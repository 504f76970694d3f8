import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_HEADERS, rawRequest, rpcResult } from '../support/http.js';
import { scratchDir } from '../support/paths.js';
import { buildProject, type RunningServer, startHttpServer } from '../support/servers.js';

/**
 * The audit on its own sink (test/e2e/audit/audit.yaml, a JSON lines file), and shutdown: what a
 * record holds and never holds, a sink that fails for a while, SIGTERM under load, clients that
 * go away mid-call. Real server processes on loopback; each fault test prints its figures.
 */
let serverJs: string;
let server: RunningServer | undefined;
beforeAll(() => {
  serverJs = buildProject('test/e2e/audit/audit.yaml', 'audited').serverJs;
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

interface AuditRecord {
  time: string;
  server: string;
  request_id: string;
  parent_request_id: string | null;
  step: string | null;
  query_id: string | null;
  caller: string;
  tool: string;
  args_sha256: string | null;
  arguments: string | null;
  outcome: 'ok' | 'error';
  error_code: string | null;
  rows: number | null;
  bytes: number;
  latency_ms: number;
}

/** A directory for one test's sink and spool, and the environment that points the server at them. */
function auditPlace(prefix: string): { dir: string; sinkDir: string; spool: string; env: NodeJS.ProcessEnv } {
  const dir = scratchDir(prefix);
  const sinkDir = join(dir, 'sink');
  const spool = join(dir, 'spool');
  return { dir, sinkDir, spool, env: { AUDIT_PATH: join(sinkDir, 'calls.jsonl'), AUDIT_SPOOL: spool } };
}

/** Every record in the JSON lines files under these directories (the live file and the rotated ones). */
function readRecords(...dirs: string[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) if (line !== '') records.push(JSON.parse(line) as AuditRecord);
    }
  }
  return records;
}

interface Answer {
  requestId: string;
  isError: boolean;
  code?: string;
}

let nextId = 1;
/** One tools/call as a 2025-era client sends it; rejects when the server could not be reached or hung up. */
async function call(url: string, name: string, args: Record<string, unknown>): Promise<Answer> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } });
  const response = await rawRequest(url, { headers: LEGACY_HEADERS, body });
  const { result } = rpcResult(response.body);
  if (!result) throw new Error(`no result (HTTP ${response.status}): ${response.body.slice(0, 200)}`);
  const meta = result._meta ?? {};
  return {
    requestId: meta['mcpc/request_id'] as string,
    isError: result.isError === true,
    ...(typeof meta['mcpc/error_code'] === 'string' ? { code: meta['mcpc/error_code'] } : {}),
  };
}

interface Health {
  status: string;
  calls: { running: number; queued: number };
  streams: { open: number };
  audit?: { status: 'ok' | 'down'; queued: number; spooled: number; lost: number };
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(url.replace('/mcp', '/healthz'))).json()) as Health;
}

/** Polls health until `done` holds, for at most `ms`; the last report either way. */
async function healthUntil(url: string, done: (h: Health) => boolean, ms: number): Promise<{ ok: boolean; last: Health }> {
  const until = Date.now() + ms;
  let last = await health(url);
  while (!done(last) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    last = await health(url);
  }
  return { ok: done(last), last };
}

/** SIGTERM, and the exit code once the process is gone (SIGKILL after 30 s: then the test fails on the code). */
async function terminate(running: RunningServer): Promise<number | null> {
  const exited = new Promise<number | null>((done) => running.process.once('exit', (code) => done(code)));
  running.process.kill('SIGTERM');
  const killer = setTimeout(() => running.process.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(killer);
  return code;
}

/** Runs `count` calls, `concurrency` at a time. */
async function load(count: number, concurrency: number, one: (i: number) => Promise<Answer>): Promise<PromiseSettledResult<Answer>[]> {
  const results: PromiseSettledResult<Answer>[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await one(i).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return results;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('audit records', () => {
  it('records each call and each pipeline step once, with a hash of the arguments, the arguments only where the pipeline says', async () => {
    const place = auditPlace('audit-records');
    server = await startHttpServer(serverJs, { env: place.env });
    const echo = await call(server.url, 'echo', { n: 7 });
    const secret = await call(server.url, 'secret_echo', { word: 'hunter2-never-recorded' });
    const pipeline = await call(server.url, 'two_steps', { n: 3 });
    const invalid = await call(server.url, 'echo', { n: -1 });
    await expect(call(server.url, 'no_such_tool', {})).rejects.toThrow(/Unknown tool/);
    expect([echo.isError, secret.isError, pipeline.isError, invalid.code]).toEqual([false, false, false, 'PARAMS.INVALID']);
    expect(await terminate(server)).toBe(0);
    server = undefined;

    const text = readFileSync(place.env.AUDIT_PATH!, 'utf8');
    expect(text).not.toContain('hunter2');
    const records = readRecords(place.sinkDir);
    const byId = new Map(records.map((r) => [r.request_id, r]));
    // 5 calls (one refused before it had a tool) and the pipeline's 2 steps.
    expect(records).toHaveLength(7);
    expect(byId.get(echo.requestId)).toMatchObject({
      server: 'audited',
      query_id: echo.requestId,
      caller: 'anonymous',
      tool: 'echo',
      args_sha256: sha256('{"n":7}'),
      arguments: '{"n":7}',
      outcome: 'ok',
      error_code: null,
      rows: 1,
      parent_request_id: null,
      step: null,
    });
    expect(byId.get(echo.requestId)!.bytes).toBeGreaterThan(0);
    expect(Date.parse(byId.get(echo.requestId)!.time)).not.toBeNaN();
    expect(byId.get(secret.requestId)).toMatchObject({ tool: 'secret_echo', arguments: null, args_sha256: sha256('{"word":"hunter2-never-recorded"}') });
    expect(byId.get(pipeline.requestId)).toMatchObject({ tool: 'two_steps', query_id: null, arguments: '{"n":3}', outcome: 'ok' });
    for (const step of ['first', 'second']) {
      expect(byId.get(`${pipeline.requestId}.${step}`)).toMatchObject({
        tool: 'echo',
        step,
        parent_request_id: pipeline.requestId,
        query_id: `${pipeline.requestId}.${step}`,
        outcome: 'ok',
      });
    }
    expect(byId.get(invalid.requestId)).toMatchObject({ outcome: 'error', error_code: 'PARAMS.INVALID', bytes: 0 });
    expect(records.find((r) => r.tool === 'no_such_tool')).toMatchObject({ outcome: 'error', error_code: 'TOOL.UNKNOWN', query_id: null });
  }, 60_000);
});

describe('faults', () => {
  it('keeps answering while the file sink fails, spools, and loses no record once the sink is back', async () => {
    const place = auditPlace('audit-file-fault');
    server = await startHttpServer(serverJs, { env: place.env });
    const url = server.url;
    const ids: string[] = [];
    let errors = 0;
    const phase = async (count: number) => {
      for (const result of await load(count, 8, (i) => call(url, 'echo', { n: i }))) {
        if (result.status === 'fulfilled' && !result.value.isError) ids.push(result.value.requestId);
        else errors++;
      }
    };
    await phase(150);
    // The sink's directory becomes a file: every append fails (ENOTDIR), whoever the process runs as.
    const before = `${place.sinkDir}.before`;
    renameSync(place.sinkDir, before);
    writeFileSync(place.sinkDir, 'not a directory');
    await phase(300);
    const during = await healthUntil(url, (h) => h.audit?.status === 'down', 10_000);
    expect(during.ok, JSON.stringify(during.last)).toBe(true);
    const spooledWhileDown = during.last.audit!.spooled;
    rmSync(place.sinkDir);
    await phase(150);
    const after = await healthUntil(url, (h) => h.audit?.status === 'ok' && h.audit.spooled === 0 && h.audit.queued === 0, 30_000);
    expect(after.ok, JSON.stringify(after.last)).toBe(true);

    const records = readRecords(before, place.sinkDir);
    const recorded = new Set(records.map((r) => r.request_id));
    const missing = ids.filter((id) => !recorded.has(id));
    const rotated = readdirSync(before).length + readdirSync(place.sinkDir).length - 1;
    console.log(
      `audit file sink fault: calls ${ids.length + errors}, errors ${errors}, records ${records.length}, distinct ${recorded.size}, ` +
        `missing ${missing.length}, spooled while down ${spooledWhileDown}, files after rotation ${rotated + 1}, lost ${after.last.audit!.lost}`,
    );
    expect(errors).toBe(0);
    expect(missing).toEqual([]);
    expect(recorded.size).toBe(600);
    expect(after.last.audit!.lost).toBe(0);
    // 600 records of ~400 bytes passed the fixture's 64 KiB max_bytes: the file was rotated.
    expect(rotated).toBeGreaterThan(0);
  }, 120_000);

  it('on SIGTERM under load finishes or cancels the calls in flight, audits every answered call, and exits 0', async () => {
    const place = auditPlace('audit-sigterm');
    server = await startHttpServer(serverJs, { env: place.env });
    const running = server;
    const url = server.url;
    // Settled as they end, so a call refused while the server drains is a figure, not an unhandled rejection.
    const calls: Array<Promise<PromiseSettledResult<Answer>>> = [];
    const send = (name: string, args: Record<string, unknown>) =>
      calls.push(
        call(url, name, args).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        ),
      );
    // Slow calls (each about half a second) that keep the server busy, and two that outlive the 3 s deadline.
    for (let i = 0; i < 40; i++) send('slow', {});
    send('hang', {});
    send('hang', {});
    const busy = await healthUntil(url, (h) => h.calls.running > 0, 10_000);
    expect(busy.ok).toBe(true);
    const exit = terminate(running);
    // Calls sent while the server drains are refused (SERVER.BUSY) or cannot connect: never left hanging.
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 10; i++) send('echo', { n: i });
    const code = await exit;
    server = undefined;
    const settled = await Promise.all(calls);
    const answered = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const unreachable = settled.length - answered.length;
    const codes = new Map<string, number>();
    for (const a of answered) codes.set(a.code ?? 'ok', (codes.get(a.code ?? 'ok') ?? 0) + 1);
    const records = readRecords(place.sinkDir);
    const recorded = new Set(records.map((r) => r.request_id));
    const missing = answered.filter((a) => !recorded.has(a.requestId));
    console.log(
      `SIGTERM under load: calls ${settled.length}, answered ${answered.length} (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}), ` +
        `unreachable ${unreachable}, audit records ${records.length}, missing ${missing.length}, exit code ${code}`,
    );
    expect(code).toBe(0);
    // The 40 slow calls were sent before the signal: each finished or was cancelled, never dropped.
    expect(settled.slice(0, 42).every((s) => s.status === 'fulfilled')).toBe(true);
    expect(answered.every((a) => !a.isError || ['REQUEST.CANCELLED', 'SERVER.BUSY'].includes(a.code!))).toBe(true);
    // The two that outlived the deadline were cancelled.
    expect(answered.slice(40, 42).map((a) => a.code)).toEqual(['REQUEST.CANCELLED', 'REQUEST.CANCELLED']);
    expect(missing).toEqual([]);
    expect(records).toHaveLength(answered.length);
  }, 120_000);

  it('leaks no call, query or stream when clients disconnect mid-call at random', async () => {
    const place = auditPlace('audit-disconnects');
    server = await startHttpServer(serverJs, { env: place.env });
    const url = server.url;
    let aborted = 0;
    let finished = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const controller = new AbortController();
        // Deterministic spread of hang-ups between 20 and 800 ms, on queries that would run longer or shorter.
        const after = 20 + ((i * 197) % 780);
        setTimeout(() => controller.abort(), after);
        const name = i % 2 === 0 ? 'hang' : 'slow';
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { ...LEGACY_HEADERS, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name, arguments: {} } }),
            signal: controller.signal,
          });
          await response.text();
          finished++;
        } catch {
          aborted++;
        }
      }),
    );
    const settledHealth = await healthUntil(url, (h) => h.calls.running === 0 && h.calls.queued === 0 && h.streams.open === 0, 30_000);
    let hanging = -1;
    const until = Date.now() + 30_000;
    while (hanging !== 0 && Date.now() < until) {
      const answer = await rawRequest(url, {
        headers: LEGACY_HEADERS,
        body: JSON.stringify({ jsonrpc: '2.0', id: 9999, method: 'tools/call', params: { name: 'hanging_queries', arguments: {} } }),
      });
      hanging = Number((rpcResult(answer.body).result!.structuredContent as { rows: Array<{ n: string }> }).rows[0]!.n);
      if (hanging !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    const detail =
      hanging === 0
        ? ''
        : (
            await rawRequest(url, {
              headers: LEGACY_HEADERS,
              body: JSON.stringify({ jsonrpc: '2.0', id: 9998, method: 'tools/call', params: { name: 'hanging_detail', arguments: {} } }),
            })
          ).body;
    console.log(
      `client disconnects: calls 40, hung up ${aborted}, finished ${finished}, then calls running ${settledHealth.last.calls.running}, ` +
        `queued ${settledHealth.last.calls.queued}, streams ${settledHealth.last.streams.open}, engine queries left ${hanging}`,
    );
    expect(aborted).toBeGreaterThan(0);
    expect(settledHealth.ok, JSON.stringify(settledHealth.last)).toBe(true);
    expect(hanging, detail).toBe(0);
  }, 120_000);
});

describe('spool left by an earlier run', () => {
  it('is sent by the next start', async () => {
    const place = auditPlace('audit-orphan-spool');
    mkdirSync(place.spool, { recursive: true });
    // A segment of a process that no longer runs (pid 2^22 + 1 is above Linux's pid_max default).
    const left = { time: new Date().toISOString(), server: 'audited', request_id: 'left-behind', tool: 'echo', outcome: 'ok' };
    writeFileSync(join(place.spool, `1-4194305-0.jsonl`), `${JSON.stringify(left)}\n`);
    server = await startHttpServer(serverJs, { env: place.env });
    const sent = await healthUntil(server.url, () => readRecords(place.sinkDir).some((r) => r.request_id === 'left-behind'), 10_000);
    expect(sent.ok).toBe(true);
    expect(readdirSync(place.spool)).toEqual([]);
  }, 60_000);
});
