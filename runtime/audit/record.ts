import { createHash } from 'node:crypto';
import { canonicalJson } from '../contract/canonical-json.js';

/**
 * One audit record: a tool call or a pipeline step, as it was answered. Never a token, key or
 * password; the arguments only as a hash unless the pipeline names the tool in
 * `audit.record_arguments`. Field names are the ClickHouse table's columns.
 */
export interface AuditRecord {
  /** When the call arrived (a step: when it started), ISO 8601 in UTC with milliseconds. */
  readonly time: string;
  readonly server: string;
  /** The call's request id (a step's: the pipeline's, a dot, the step id), as in the result's `_meta`. */
  readonly request_id: string;
  /** For a pipeline step: the request id of the pipeline call it belongs to. */
  readonly parent_request_id: string | null;
  /** For a pipeline step: its id. */
  readonly step: string | null;
  /** The ClickHouse `query_id` its query ran under; null when no query ran for it (a pipeline, a call refused before). */
  readonly query_id: string | null;
  /** The caller's stable identity (`anonymous`, `operator`, or the token's subject): never a credential. */
  readonly caller: string;
  readonly tool: string;
  /** SHA-256 (hex) of the arguments as canonical JSON (keys sorted); null when they were not JSON. */
  readonly args_sha256: string | null;
  /** The arguments as canonical JSON, only for tools the pipeline names in `record_arguments`. */
  readonly arguments: string | null;
  readonly outcome: 'ok' | 'error';
  /** The tool error code (`QUERY.TIMEOUT`, ...) when it failed. */
  readonly error_code: string | null;
  /** Rows the result holds (or the insert wrote), when the tool reports rows. */
  readonly rows: number | null;
  /** UTF-8 bytes of the result text sent to the caller (0 for a failure). */
  readonly bytes: number;
  readonly latency_ms: number;
}

/** The arguments as canonical JSON, or undefined when they are not JSON (the transport refused them). */
export function argumentsText(args: unknown): string | undefined {
  try {
    const text = canonicalJson(args ?? {});
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
