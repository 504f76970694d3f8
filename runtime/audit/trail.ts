import type { CallContext } from '../call/context.js';
import { ToolFailure } from '../errors.js';
import type { ToolOutcome } from '../tools/kind.js';
import type { ServedTool } from '../tools/served-tool.js';
import type { AuditLog } from './audit-log.js';
import { type AuditRecord, argumentsText, sha256 } from './record.js';

/** What the audit knows of the tool a call or step asked for. */
export interface AuditedTool {
  readonly name: string;
  /** Whether the tool runs a query of its own under the call's request id (every kind but pipeline). */
  readonly runsQuery: boolean;
}

/** A served tool as the audit sees it. */
export function auditedTool(tool: ServedTool): AuditedTool {
  return { name: tool.spec.name, runsQuery: tool.spec.kind !== 'pipeline' };
}

/**
 * The per-call side of the audit: turns a call or a pipeline step, and how it ended, into one
 * record. Built once per server from `audit:`; absent when the pipeline has no audit.
 */
export class AuditTrail {
  private readonly recordArguments: ReadonlySet<string>;

  constructor(
    readonly log: AuditLog,
    private readonly server: string,
    recordArguments: readonly string[],
  ) {
    this.recordArguments = new Set(recordArguments);
  }

  /** Runs a call (or a step) and records how it ended; the outcome or failure passes through unchanged. */
  async run(context: CallContext, tool: AuditedTool, rawArgs: unknown, work: () => Promise<ToolOutcome>): Promise<ToolOutcome> {
    try {
      const outcome = await work();
      this.record(context, tool, rawArgs, outcome, undefined);
      return outcome;
    } catch (error) {
      this.record(context, tool, rawArgs, undefined, error instanceof ToolFailure ? error.code : 'INTERNAL');
      throw error;
    }
  }

  /** A call refused before it had a tool (unknown, or hidden from this caller): recorded under the name it asked for. */
  refused(context: CallContext, name: string, rawArgs: unknown, code: string): void {
    this.record(context, { name: name.slice(0, 200), runsQuery: false }, rawArgs, undefined, code);
  }

  private record(context: CallContext, tool: AuditedTool, rawArgs: unknown, outcome: ToolOutcome | undefined, errorCode: string | undefined): void {
    const args = argumentsText(rawArgs);
    const rows = outcome?.logFields?.rows;
    const record: AuditRecord = {
      time: new Date(performance.timeOrigin + context.startedAt).toISOString(),
      server: this.server,
      request_id: context.requestId,
      parent_request_id: context.step?.parentRequestId ?? null,
      step: context.step?.id ?? null,
      // A replayed write ran no query now: the query was the first call's.
      query_id: tool.runsQuery ? (outcome?.replayed ? (outcome.requestId ?? context.requestId) : context.requestId) : null,
      caller: context.principal.id,
      tool: tool.name,
      args_sha256: args === undefined ? null : sha256(args),
      arguments: args !== undefined && this.recordArguments.has(tool.name) ? args : null,
      outcome: outcome ? 'ok' : 'error',
      error_code: errorCode ?? null,
      rows: typeof rows === 'number' ? rows : null,
      bytes: outcome ? Buffer.byteLength(outcome.text) : 0,
      latency_ms: Math.round((performance.now() - context.startedAt) * 100) / 100,
    };
    this.log.record(record);
  }
}
