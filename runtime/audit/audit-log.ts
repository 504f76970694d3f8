import { log } from '../log.js';
import type { AuditRecord } from './record.js';
import type { AuditSink } from './sink.js';
import type { Spool } from './spool.js';

/** Records wait this long in memory to be written together. */
const FLUSH_INTERVAL_MS = 200;
/** Records per write to the sink. */
const BATCH_MAX = 2_000;
/** Records held in memory waiting for the sink; past this they go to the spool. */
const MEMORY_MAX = 10_000;
/** Records held in memory when the spool's disk fails too; past this the oldest are dropped, and counted. */
const HELD_MAX = 100_000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

/** The audit's state for health and logs. */
export interface AuditStatus {
  sink: string;
  status: 'ok' | 'down';
  /** Records in memory, not yet written. */
  queued: number;
  /** Records on disk in the spool, waiting for the sink. */
  spooled: number;
  /** Records dropped because the sink and the spool's disk both failed for long (0 unless both did). */
  lost: number;
}

/**
 * The audit trail: records are taken at once (a call never waits on the audit) and written in
 * batches by a loop of their own. When the sink fails or is slow, records go to the spool on
 * local disk, and a retry with backoff sends the spool (oldest first) once the sink takes writes
 * again; only then do new records go to the sink directly. Delivery is at least once: a write
 * that timed out may still have landed, and its records are sent again from the spool.
 */
export class AuditLog {
  private queue: AuditRecord[] = [];
  /** Records neither the sink nor the spool took (the disk failed too), sent first when the sink is back. */
  private held: AuditRecord[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private retrying: Promise<void> | undefined;
  private down = false;
  private retryMs = RETRY_MIN_MS;
  private closed = false;
  private lost = 0;
  /** Records the sink took, since start. */
  written = 0;

  constructor(
    private readonly sink: AuditSink,
    private readonly spool: Spool,
  ) {}

  /** Sends what an earlier run left in the spool (a sink that was down when it stopped). */
  start(): void {
    this.down = true;
    this.scheduleRetry(0);
  }

  /** Takes one record; never blocks, never throws. */
  record(record: AuditRecord): void {
    this.queue.push(record);
    if (this.closed) return;
    // More than a slow or stalled sink should make memory hold: local disk holds it instead.
    if (this.queue.length >= MEMORY_MAX) void this.toSpool(this.queue.splice(0));
    else if (this.flushTimer === undefined) this.scheduleFlush(this.queue.length >= BATCH_MAX ? 0 : FLUSH_INTERVAL_MS);
  }

  get status(): AuditStatus {
    return {
      sink: this.sink.description,
      status: this.down ? 'down' : 'ok',
      queued: this.queue.length + this.held.length,
      spooled: this.spool.pending,
      lost: this.lost,
    };
  }

  /**
   * On shutdown: writes what is in memory, then tries the spool once more, within `timeoutMs`.
   * What the sink does not take by then stays in the spool for the next start to send.
   */
  async close(timeoutMs: number): Promise<AuditStatus> {
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    await within(left(), Promise.allSettled([this.flushing, this.retrying]));
    if (!this.down) await within(left(), this.flushNow());
    if (this.down || this.spool.pending > 0 || this.held.length > 0) {
      // The rest to disk first, so a sink that stays down loses nothing; then one last try.
      await within(left(), this.toSpool(this.queue.splice(0)));
      await within(left(), this.retry());
    }
    const status = this.status;
    (status.lost > 0 || status.queued > 0 ? log.error : log.info)('audit closed', { written: this.written, ...status });
    await within(
      left(),
      this.sink.close().catch(() => undefined),
    );
    return status;
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, delayMs);
    this.flushTimer.unref();
  }

  private flush(): void {
    if (this.flushing) return; // the write in flight takes the rest when it is done
    if (this.queue.length === 0) return;
    this.flushing = this.flushNow().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0 && !this.closed) this.scheduleFlush(FLUSH_INTERVAL_MS);
    });
  }

  private async flushNow(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, BATCH_MAX);
      if (this.down) {
        await this.toSpool(batch);
        continue;
      }
      try {
        await this.sink.write(batch);
        this.written += batch.length;
      } catch (error) {
        this.failed(error);
        await this.toSpool(batch);
      }
    }
  }

  private failed(error: unknown): void {
    if (!this.down) {
      this.down = true;
      log.warn('audit sink failed; records wait in the spool until it takes them', {
        sink: this.sink.description,
        spool: this.spool.dir,
        error: (error as Error).message,
      });
    }
    this.scheduleRetry(this.retryMs);
  }

  private async toSpool(records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.spool.append(records);
      // Spooled while the sink is up (it was slow): the retry loop sends the spool.
      this.scheduleRetry(this.retryMs);
    } catch (error) {
      if (this.held.length === 0) log.error('audit spool failed too; records are held in memory', { spool: this.spool.dir, error: (error as Error).message });
      this.held.push(...records);
      if (this.held.length > HELD_MAX) {
        const dropped = this.held.length - HELD_MAX;
        this.held.splice(0, dropped);
        this.lost += dropped;
        log.error('audit records dropped: the sink and the spool both fail', { dropped, lost: this.lost });
      }
    }
  }

  private scheduleRetry(delayMs: number): void {
    if (this.closed || this.retryTimer !== undefined || this.retrying) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retry();
    }, delayMs);
    this.retryTimer.unref();
  }

  /** Sends what waits (held in memory, then the spool); on success new records go to the sink again. */
  private retry(): Promise<void> {
    this.retrying ??= (async () => {
      try {
        let sent = 0;
        if (this.held.length > 0) {
          const held = this.held.splice(0);
          await this.writeAll(held).catch((error: unknown) => {
            this.held.unshift(...held);
            throw error;
          });
          sent += held.length;
        }
        // Until nothing of this process waits on disk (an append may land while a drain runs).
        for (;;) {
          const drained = await this.spool.drain((records) => this.writeAll(records));
          sent += drained;
          if (drained === 0 || this.spool.pending === 0) break;
        }
        if (this.down && sent > 0) log.info('audit sink is back; spooled records sent', { sink: this.sink.description, records: sent });
        this.down = false;
        this.retryMs = RETRY_MIN_MS;
        if (this.queue.length > 0 && !this.closed) this.scheduleFlush(0);
      } catch {
        this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      } finally {
        this.retrying = undefined;
      }
      // Down still, or records spooled while the last drain ran: go again.
      if (this.down || this.spool.pending > 0 || this.held.length > 0) this.scheduleRetry(this.retryMs);
    })();
    return this.retrying;
  }

  private async writeAll(records: AuditRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += BATCH_MAX) {
      const batch = records.slice(i, i + BATCH_MAX);
      await this.sink.write(batch);
      this.written += batch.length;
    }
  }
}

/** Waits for `work` at most `ms`; the work goes on, but shutdown does not wait for it. */
async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
}
