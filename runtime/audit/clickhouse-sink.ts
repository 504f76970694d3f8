import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { AuditRecord } from './record.js';
import type { AuditSink } from './sink.js';

/** Longest one insert of audit records may take before the batch counts as failed (and spools). */
const INSERT_TIMEOUT_MS = 10_000;

export interface ClickHouseSinkOptions {
  url: string;
  table: string;
  username?: string;
  password?: string;
  database?: string;
}

/**
 * A table on a ClickHouse server of its own, over a connection of its own: never a source's
 * client, so a flood of audit inserts never queues behind (or ahead of) the data the calls read.
 * The table is created when missing, with column types every ClickHouse since 18.16 knows.
 */
export class ClickHouseSink implements AuditSink {
  private readonly client: ClickHouseClient;
  private created = false;
  readonly description: string;

  constructor(private readonly options: ClickHouseSinkOptions) {
    this.client = createClient({
      url: options.url,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.database === undefined ? {} : { database: options.database }),
      request_timeout: INSERT_TIMEOUT_MS,
      max_open_connections: 2,
      application: 'mcpc-audit',
      // The client logs each failed request itself; the audit log says once that the sink is down.
      log: { level: ClickHouseLogLevel.OFF },
    });
    const { origin, pathname } = new URL(options.url);
    this.description = `${origin}${pathname === '/' ? '' : pathname} table ${options.table}`;
  }

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!this.created) {
      await this.client.command({ query: createTable(this.options.table) });
      this.created = true;
    }
    await this.client.insert({ table: this.options.table, values: records as AuditRecord[], format: 'JSONEachRow' });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The audit table: the record's fields, and the time parsed for ordering and filtering. */
function createTable(table: string): string {
  return `CREATE TABLE IF NOT EXISTS \`${table}\` (
  time String,
  event_time DateTime MATERIALIZED parseDateTimeBestEffort(time),
  server String,
  request_id String,
  parent_request_id Nullable(String),
  step Nullable(String),
  query_id Nullable(String),
  caller String,
  tool String,
  args_sha256 Nullable(String),
  arguments Nullable(String),
  outcome String,
  error_code Nullable(String),
  rows Nullable(UInt64),
  bytes UInt64,
  latency_ms Float64
) ENGINE = MergeTree ORDER BY (event_time, request_id)`;
}
