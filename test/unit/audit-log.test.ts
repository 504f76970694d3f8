import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../runtime/audit/audit-log.js';
import { FileSink } from '../../runtime/audit/file-sink.js';
import type { AuditRecord } from '../../runtime/audit/record.js';
import type { AuditSink } from '../../runtime/audit/sink.js';
import { Spool } from '../../runtime/audit/spool.js';

/**
 * The audit's delivery on its own: a sink that fails, then comes back; a sink slower than the
 * calls; a shutdown while the sink is down; file rotation. The spool is a real directory.
 */
function record(i: number): AuditRecord {
  return {
    time: new Date().toISOString(),
    server: 'unit',
    request_id: `r${i}`,
    parent_request_id: null,
    step: null,
    query_id: `r${i}`,
    caller: 'anonymous',
    tool: 'echo',
    args_sha256: null,
    arguments: null,
    outcome: 'ok',
    error_code: null,
    rows: 1,
    bytes: 10,
    latency_ms: 1,
  };
}

/** A sink that keeps what it takes, and fails (or waits) while told to. */
class TestSink implements AuditSink {
  readonly description = 'test sink';
  readonly taken: string[] = [];
  failing = false;
  delayMs = 0;
  async write(records: readonly AuditRecord[]): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failing) throw new Error('sink down');
    this.taken.push(...records.map((r) => r.request_id));
  }
  async close(): Promise<void> {}
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

const spoolDir = () => join(mkdtempSync(join(tmpdir(), 'mcpc-audit-unit-')), 'spool');

describe('audit delivery', () => {
  it('spools while the sink fails and delivers every record once it is back', async () => {
    const sink = new TestSink();
    const log = new AuditLog(sink, new Spool(spoolDir()));
    for (let i = 0; i < 1000; i++) log.record(record(i));
    expect(await until(() => sink.taken.length === 1000, 5000)).toBe(true);
    sink.failing = true;
    for (let i = 1000; i < 6000; i++) log.record(record(i));
    expect(await until(() => log.status.status === 'down' && log.status.spooled === 5000, 5000)).toBe(true);
    sink.failing = false;
    for (let i = 6000; i < 7000; i++) log.record(record(i));
    expect(await until(() => new Set(sink.taken).size === 7000 && log.status.spooled === 0, 15_000)).toBe(true);
    expect(log.status).toMatchObject({ status: 'ok', queued: 0, spooled: 0, lost: 0 });
    await log.close(1000);
  }, 30_000);

  it('never makes a call wait on a slow sink: what exceeds memory goes to the spool', async () => {
    const sink = new TestSink();
    sink.delayMs = 1000;
    const log = new AuditLog(sink, new Spool(spoolDir()));
    const started = performance.now();
    for (let i = 0; i < 30_000; i++) log.record(record(i));
    // Taking 30,000 records is synchronous work only; the one write in flight holds none of them back.
    const tookMs = performance.now() - started;
    expect(await until(() => log.status.spooled > 0, 5000)).toBe(true);
    sink.delayMs = 0;
    expect(await until(() => new Set(sink.taken).size === 30_000 && log.status.spooled === 0 && log.status.queued === 0, 20_000)).toBe(true);
    console.log(`slow sink: 30,000 records taken in ${tookMs.toFixed(1)} ms, all delivered`);
    await log.close(1000);
  }, 30_000);

  it('leaves what a down sink did not take in the spool at shutdown, and the next start sends it', async () => {
    const dir = spoolDir();
    const down = new TestSink();
    down.failing = true;
    const first = new AuditLog(down, new Spool(dir));
    for (let i = 0; i < 500; i++) first.record(record(i));
    const closed = await first.close(500);
    expect(closed).toMatchObject({ status: 'down', spooled: 500, lost: 0 });
    await new Promise((r) => setTimeout(r, 5)); // a later start time, as a new process has
    const up = new TestSink();
    const second = new AuditLog(up, new Spool(dir));
    second.start();
    expect(await until(() => up.taken.length === 500, 5000)).toBe(true);
    expect(await until(() => readdirSync(dir).length === 0, 5000)).toBe(true);
    await second.close(500);
  }, 30_000);

  it('rotates the file sink by size and loses no line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpc-audit-file-'));
    const sink = new FileSink(join(dir, 'audit.jsonl'), 4096);
    for (let i = 0; i < 100; i += 10) await sink.write(Array.from({ length: 10 }, (_, j) => record(i + j)));
    const files = readdirSync(dir);
    const lines = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => /^audit\.\d{4}-\d\d-\d\dT.*Z\.\d+\.jsonl$/.test(f))).toHaveLength(files.length - 1);
    expect(new Set(lines.map((l) => (JSON.parse(l) as AuditRecord).request_id)).size).toBe(100);
  });
});
