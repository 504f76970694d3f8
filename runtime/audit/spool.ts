import { appendFile, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from './record.js';

/** A segment is closed past this size, so a retry resends at most this much twice. */
const SEGMENT_BYTES = 1024 * 1024;
const SEGMENT = /^(\d+)-(\d+)-(\d+)\.jsonl$/;

/**
 * Records that the sink could not take, on local disk until it can: JSON lines in numbered
 * segment files `<started>-<pid>-<n>.jsonl` in the spool directory. A process sends its own
 * segments and those a process that no longer runs left behind (a crash, or a shutdown whose
 * sink stayed down), oldest first, and deletes each once the sink took it whole.
 */
export class Spool {
  private readonly prefix = `${Date.now()}-${process.pid}-`;
  private next = 0;
  /** The segment being appended to; closed (undefined) when a drain begins or it grew past its size. */
  private current: { name: string; bytes: number } | undefined;
  /** Records in segments of this process not yet sent (others' are counted when they are read). */
  private pendingRecords = 0;
  private appending: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  /** Records waiting on disk, as far as this process knows. */
  get pending(): number {
    return this.pendingRecords;
  }

  /** Appends records to the current segment; appends run one at a time, in order. */
  append(records: readonly AuditRecord[]): Promise<void> {
    const run = this.appending.then(() => this.appendNow(records));
    this.appending = run.catch(() => undefined);
    return run;
  }

  private async appendNow(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Counted from the start of the append: a drain that finds nothing pending knows no append is under way.
    this.pendingRecords += records.length;
    try {
      await this.writeSegment(records);
    } catch (error) {
      this.pendingRecords -= records.length;
      throw error;
    }
  }

  private async writeSegment(records: readonly AuditRecord[]): Promise<void> {
    let text = '';
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    if (this.current === undefined || this.current.bytes >= SEGMENT_BYTES) {
      await mkdir(this.dir, { recursive: true });
      this.current = { name: `${this.prefix}${this.next++}.jsonl`, bytes: 0 };
    }
    await appendFile(join(this.dir, this.current.name), text);
    this.current.bytes += Buffer.byteLength(text);
  }

  /**
   * Sends every segment this process may send, oldest first, each whole then deleted; stops at
   * the first the sink refuses (it stays for the next try). Resolves with the records sent.
   */
  async drain(send: (records: AuditRecord[]) => Promise<void>): Promise<number> {
    await this.appending;
    // Later appends start a new segment, which this drain leaves alone: none is read while it grows.
    this.current = undefined;
    const limit = this.next;
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((name) => (name.startsWith(this.prefix) ? segmentNumber(name) < limit : this.isOrphan(name)));
    } catch {
      return 0;
    }
    names.sort(bySegmentOrder);
    let sent = 0;
    for (const name of names) {
      const path = join(this.dir, name);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const records = parseLines(text);
      await send(records);
      await unlink(path);
      sent += records.length;
      if (name.startsWith(this.prefix)) this.pendingRecords = Math.max(0, this.pendingRecords - records.length);
    }
    return sent;
  }

  /** Another process's segment, left by a process that no longer runs. */
  private isOrphan(name: string): boolean {
    const match = SEGMENT.exec(name);
    if (!match || name.startsWith(this.prefix)) return false;
    const pid = Number(match[2]);
    if (pid === process.pid) return true; // an earlier run of this pid (a container's pid 1): not running as another process
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== 'EPERM';
    }
  }
}

function segmentNumber(name: string): number {
  return Number(SEGMENT.exec(name)?.[3] ?? Number.POSITIVE_INFINITY);
}

/** Oldest first: by start time, then by segment number. */
function bySegmentOrder(a: string, b: string): number {
  const [, aStart, , aN] = SEGMENT.exec(a) ?? [];
  const [, bStart, , bN] = SEGMENT.exec(b) ?? [];
  return Number(aStart) - Number(bStart) || Number(aN) - Number(bN) || a.localeCompare(b);
}

/** The records of a segment; a line cut short by a crash mid-append is skipped (it was never acknowledged). */
function parseLines(text: string): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as AuditRecord);
    } catch {
      // a torn last line
    }
  }
  return records;
}
