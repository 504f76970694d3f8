import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { AuditRecord } from './record.js';
import type { AuditSink } from './sink.js';

/**
 * JSON lines appended to one file, rotated by size: when a write would take it past `maxBytes`,
 * the file is renamed with the time of the rotation (`audit.2026-12-01T21-30-00.123Z.1.jsonl`) and
 * a new one begins. Rotated files are never deleted by mcpc. The file is opened for each batch,
 * so a file moved away by an operator's tooling is simply started again.
 */
export class FileSink implements AuditSink {
  private size: number | undefined;
  private rotations = 0;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
  ) {}

  get description(): string {
    return this.path;
  }

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    const bytes = Buffer.byteLength(text);
    try {
      if (this.size === undefined) {
        await mkdir(dirname(this.path), { recursive: true });
        this.size = await stat(this.path).then(
          (s) => s.size,
          () => 0,
        );
      }
      if (this.size > 0 && this.size + bytes > this.maxBytes) {
        await rename(this.path, this.rotatedName());
        this.size = 0;
      }
      await appendFile(this.path, text);
      this.size += bytes;
    } catch (error) {
      // The file may be anything now (moved, replaced): look again at the next write.
      this.size = undefined;
      throw error;
    }
  }

  async close(): Promise<void> {}

  private rotatedName(): string {
    const extension = extname(this.path);
    const stem = basename(this.path, extension);
    const stamp = new Date().toISOString().replaceAll(':', '-');
    return join(dirname(this.path), `${stem}.${stamp}.${++this.rotations}${extension}`);
  }
}
