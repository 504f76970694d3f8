import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, call, echoPhases, healthUntil, terminate } from '../support/calls.js';
import { LEGACY_HEADERS, rawRequest, rpcResult } from '../support/http.js';
import { mcpcBin, scratchDir } from '../support/paths.js';
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
    // Each step is timed from its own start: the second starts after the first ends, both inside the pipeline's call.
    const [first, second, whole] = [byId.get(`${pipeline.requestId}.first`)!, byId.get(`${pipeline.requestId}.second`)!, byId.get(pipeline.requestId)!];
    expect(Date.parse(second.time)).toBeGreaterThanOrEqual(Date.parse(first.time));
    expect(first.latency_ms + second.latency_ms).toBeLessThanOrEqual(whole.latency_ms + 0.05);
    expect(byId.get(invalid.requestId)).toMatchObject({ outcome: 'error', error_code: 'PARAMS.INVALID', bytes: 0 });
    expect(records.find((r) => r.tool === 'no_such_tool')).toMatchObject({ outcome: 'error', error_code: 'TOOL.UNKNOWN', query_id: null });
  }, 60_000);
});

describe('audit of callers with credentials', () => {
  it('names the caller by its key, never holds the key', async () => {
    const place = auditPlace('audit-auth');
    const { serverJs: authJs, project } = buildProject('test/e2e/audit/auth.yaml', 'audited_auth');
    const minted = spawnSync(process.execPath, [mcpcBin, 'keys', 'add', 'reporter', '--scopes', 'numbers:read', '--file', join(project, 'keys.txt')], {
      encoding: 'utf8',
    });
    expect(minted.status, minted.stderr).toBe(0);
    const key = minted.stdout.trim();
    server = await startHttpServer(authJs, { env: place.env });
    const answer = await call(server.url, 'first_numbers', { n: 3 }, { authorization: `Bearer ${key}` });
    expect(answer.isError).toBe(false);
    const running = server;
    server = undefined;
    expect(await terminate(running)).toBe(0);
    const records = readRecords(place.sinkDir);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ request_id: answer.requestId, caller: 'key:reporter', arguments: '{"n":3}', rows: 3 });
    expect(readFileSync(place.env.AUDIT_PATH!, 'utf8')).not.toContain(key);
    expect(running.log()).not.toContain(key);
  }, 60_000);
});

describe('faults', () => {
  it('keeps answering while the file sink fails, spools, and loses no record once the sink is back', async () => {
    const place = auditPlace('audit-file-fault');
    server = await startHttpServer(serverJs, { env: place.env });
    const url = server.url;
    const { ids, errors: failed, phase } = echoPhases(url);
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
      `audit file sink fault: calls ${ids.length + failed()}, errors ${failed()}, records ${records.length}, distinct ${recorded.size}, ` +
        `missing ${missing.length}, spooled while down ${spooledWhileDown}, files after rotation ${rotated + 1}, lost ${after.last.audit!.lost}`,
    );
    expect(failed()).toBe(0);
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
    // A call that outlives the 3 s deadline, in flight first; then slow calls (each about half a second) that keep the server busy.
    send('hang', {});
    expect((await healthUntil(url, (h) => h.calls.running >= 1, 20_000)).ok).toBe(true);
    for (let i = 0; i < 40; i++) send('slow', {});
    await healthUntil(url, (h) => h.calls.running + h.calls.queued >= 20, 20_000);
    const exit = terminate(running);
    // Calls sent while the server drains are refused (SERVER.BUSY) or cannot connect: never left hanging.
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 10; i++) send('echo', { n: i });
    const code = await exit;
    server = undefined;
    const inFlight = Number(/"msg":"shutting down".*?"calls_in_flight":(\d+)/.exec(running.log())?.[1] ?? Number.NaN);
    const settled = await Promise.all(calls);
    const answered = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    const codes = new Map<string, number>();
    for (const a of answered) codes.set(a.code ?? 'ok', (codes.get(a.code ?? 'ok') ?? 0) + 1);
    const records = readRecords(place.sinkDir);
    const recorded = new Set(records.map((r) => r.request_id));
    const missing = answered.filter((a) => !recorded.has(a.requestId));
    console.log(
      `SIGTERM under load: calls ${settled.length}, in flight at the signal ${inFlight}, answered ${answered.length} ` +
        `(${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}), connection refused or reset ${failures.length}, ` +
        `audit records ${records.length}, missing ${missing.length}, exit code ${code}`,
    );
    expect(code).toBe(0);
    // Every call the server had taken when the signal came got an answer.
    expect(answered.length).toBeGreaterThanOrEqual(inFlight);
    // A call it had not read yet fails as a connection does (a client retries it elsewhere), never hangs.
    expect(failures.filter((f) => !/ECONNRESET|ECONNREFUSED|socket hang up/.test(f))).toEqual([]);
    expect(answered.every((a) => !a.isError || ['REQUEST.CANCELLED', 'SERVER.BUSY'].includes(a.code!))).toBe(true);
    // The one that outlived the deadline was cancelled.
    expect(records.find((r) => r.tool === 'hang')).toMatchObject({ outcome: 'error', error_code: 'REQUEST.CANCELLED' });
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
    // The engine's own view: hang queries still running, and how many of those mcpc killed.
    const engine = async () => {
      const answer = await rawRequest(url, {
        headers: LEGACY_HEADERS,
        body: JSON.stringify({ jsonrpc: '2.0', id: 9999, method: 'tools/call', params: { name: 'hanging_queries', arguments: {} } }),
      });
      const row = (rpcResult(answer.body).result!.structuredContent as { rows: Array<{ n: string; killed: string }> }).rows[0]!;
      return { running: Number(row.n), killed: Number(row.killed) };
    };
    let left = await engine();
    const until = Date.now() + 20_000;
    while (left.running > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      left = await engine();
    }
    console.log(
      `client disconnects: calls 40, hung up ${aborted}, finished ${finished}, then calls running ${settledHealth.last.calls.running}, ` +
        `queued ${settledHealth.last.calls.queued}, streams ${settledHealth.last.streams.open}, engine queries left ${left.running} (killed by mcpc: ${left.killed})`,
    );
    expect(aborted).toBeGreaterThan(0);
    expect(settledHealth.ok, JSON.stringify(settledHealth.last)).toBe(true);
    // Every query of a call that went away was killed. chDB 3.4 sometimes leaves a query it has
    // flagged cancelled running on (past its max_execution_time too): that one is the engine's,
    // counted here, and no longer mcpc's (its call is over, its slot free).
    expect(left.running - left.killed).toBe(0);
    // Each call the server had read before its client went away is in the audit, as cancelled (or done).
    const running = server!;
    server = undefined;
    expect(await terminate(running)).toBe(0);
    const records = readRecords(place.sinkDir).filter((r) => r.tool === 'hang' || r.tool === 'slow');
    console.log(`client disconnects: audit records of the 40 calls ${records.length} (the rest never reached the server)`);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThanOrEqual(40);
    expect(records.every((r) => r.outcome === 'ok' || r.error_code === 'REQUEST.CANCELLED')).toBe(true);
  }, 120_000);
});

describe('spool left by an earlier run', () => {
  it('is sent by the next start, and SIGINT stops the server as SIGTERM does', async () => {
    const place = auditPlace('audit-orphan-spool');
    mkdirSync(place.spool, { recursive: true });
    // A segment of a process that no longer runs (pid 2^22 + 1 is above Linux's pid_max default).
    const left = { time: new Date().toISOString(), server: 'audited', request_id: 'left-behind', tool: 'echo', outcome: 'ok' };
    writeFileSync(join(place.spool, `1-4194305-0.jsonl`), `${JSON.stringify(left)}\n`);
    server = await startHttpServer(serverJs, { env: place.env });
    const sent = await healthUntil(server.url, () => readRecords(place.sinkDir).some((r) => r.request_id === 'left-behind'), 10_000);
    expect(sent.ok).toBe(true);
    expect(readdirSync(place.spool)).toEqual([]);
    // SIGINT stops the server as SIGTERM does: exit 0, the last call's record written.
    const last = await call(server.url, 'echo', { n: 1 });
    const running = server;
    server = undefined;
    expect(await terminate(running, 'SIGINT')).toBe(0);
    expect(readRecords(place.sinkDir).some((r) => r.request_id === last.requestId)).toBe(true);
  }, 60_000);
});
