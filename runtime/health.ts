import type { AuditStatus } from './audit/audit-log.js';
import type { Runtime } from './runtime.js';
import type { StreamLoad } from './call/streams.js';
import type { DriftReport } from './drift.js';
import type { SourceHealth } from './sources/source.js';

export interface HealthReport {
  /**
   * ok; degraded: a source or the state store is down (its calls fail fast) or the server is strained (calls wait,
   * streams hold most of what they may); unhealthy: the server takes no more work (its queue of
   * calls is full, or its streams hold all they may).
   */
  status: 'ok' | 'degraded' | 'unhealthy';
  server: { name: string; version: string; generator: string; content_hash: string };
  sources: Record<string, SourceHealth>;
  /** Tool calls running and waiting now, against the server's limit. */
  calls: { running: number; queued: number; limit: number };
  /** Live streams: open, paused on slow clients, and the bytes they hold against the cap (backpressure, 0 to 1). */
  streams: StreamLoad;
  /** Tools that schema drift broke (they answer SCHEMA.DRIFT), from the last check against the live sources. */
  drift: DriftReport;
  /** With `state:`: the Redis that budgets and idempotency records live in, and whether it answers (down: degraded). */
  state?: { store: string; status: 'ok' | 'down' };
  /** The audit, when the pipeline has one: its sink's state and the records waiting (a sink down makes the server degraded). */
  audit?: AuditStatus;
}

/** Backpressure from which the server counts as degraded. */
const DEGRADED_BACKPRESSURE = 0.8;

/**
 * The status of each source (from a call that just succeeded, or a probe query now), the
 * server's load and its streams' backpressure. A source outage makes the server degraded, not
 * unhealthy: another replica would meet the same database, and a restart cannot mend it. It never
 * waits in the queue of tool calls.
 */
export async function healthReport(runtime: Runtime): Promise<HealthReport> {
  const entries = await Promise.all([...runtime.sources].map(async ([name, source]) => [name, await source.health()] as const));
  const sources = Object.fromEntries(entries);
  const { spec } = runtime;
  const streams = runtime.streams.load;
  const calls = runtime.admission.load;
  const stateDown = !runtime.state.up;
  const down = stateDown || entries.some(([, health]) => health.status !== 'ok');
  const full = streams.backpressure >= 1 || calls.queued >= runtime.limits.maxQueuedCalls;
  const drift = runtime.drift.report;
  const audit = runtime.audit?.log.status;
  const strained = streams.backpressure >= DEGRADED_BACKPRESSURE || streams.open >= streams.limit || calls.queued > 0;
  return {
    status: full ? 'unhealthy' : down || strained || Object.keys(drift.tools).length > 0 || audit?.status === 'down' ? 'degraded' : 'ok',
    server: { name: spec.name, version: spec.version, generator: spec.generator, content_hash: spec.contentHash },
    sources,
    calls: { ...calls, limit: runtime.limits.maxConcurrentCalls },
    streams,
    drift,
    ...(spec.state === undefined ? {} : { state: { store: runtime.state.where, status: stateDown ? ('down' as const) : ('ok' as const) } }),
    ...(audit ? { audit } : {}),
  };
}
