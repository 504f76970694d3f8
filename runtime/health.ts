import type { Runtime } from './runtime.js';
import type { SourceHealth } from './sources/source.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  server: { name: string; version: string; generator: string; content_hash: string };
  sources: Record<string, SourceHealth>;
  /** Tool calls running and waiting now, against the server's limit. */
  calls: { running: number; queued: number; limit: number };
}

/**
 * The status of each source (from a call that just succeeded, or a probe query now; `degraded`
 * when any is down) and the server's load. It never waits in the queue of tool calls.
 */
export async function healthReport(runtime: Runtime): Promise<HealthReport> {
  const entries = await Promise.all([...runtime.sources].map(async ([name, source]) => [name, await source.health()] as const));
  const sources = Object.fromEntries(entries);
  const { spec } = runtime;
  return {
    status: entries.every(([, health]) => health.status === 'ok') ? 'ok' : 'degraded',
    server: { name: spec.name, version: spec.version, generator: spec.generator, content_hash: spec.contentHash },
    sources,
    calls: { ...runtime.admission.load, limit: runtime.limits.maxConcurrentCalls },
  };
}
