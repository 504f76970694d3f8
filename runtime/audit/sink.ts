import type { AuditRecord } from './record.js';

/** Where audit records end up: a JSON lines file or a ClickHouse table, never a source's connection. */
export interface AuditSink {
  /** For logs: the file, or the server's address without credentials. */
  readonly description: string;
  /** Writes the records, all of them or (throwing) none that the caller may count on. */
  write(records: readonly AuditRecord[]): Promise<void>;
  close(): Promise<void>;
}
