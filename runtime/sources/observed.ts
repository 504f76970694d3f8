import type { LimitsSpec } from '../contract/spec.js';
import { type InsertRequest, type Row, type SelectRequest, type Source, type SourceHealth, type StreamRequest, sourceFacts } from './source.js';

/** How long a successful query counts as proof that its source is up. */
const FRESH_MS = 2_000;

/**
 * A source that remembers when its last query succeeded, so health can answer from what the
 * server just saw instead of queueing a probe behind the very load it is asked about. Only when
 * nothing succeeded recently does health ask the source itself. A query that fails takes that
 * proof back: the next health check asks the source (a stream that delivered rows a moment ago
 * and then lost its server must not leave the source reported up).
 */
export function observed(source: Source): Source {
  let lastOkAt = Number.NEGATIVE_INFINITY;
  let lastLatencyMs: number | undefined;
  let version: string | undefined;
  const failed = (error: unknown): never => {
    lastOkAt = Number.NEGATIVE_INFINITY;
    throw error;
  };
  return {
    ...sourceFacts(source),
    async select(request: SelectRequest): Promise<Row[]> {
      const started = performance.now();
      const rows = await source.select(request).catch(failed);
      lastOkAt = performance.now();
      lastLatencyMs = Math.round((lastOkAt - started) * 100) / 100;
      return rows;
    },
    async selectWritten(request: SelectRequest, limits: LimitsSpec): Promise<Row[]> {
      const started = performance.now();
      const rows = await source.selectWritten(request, limits).catch(failed);
      lastOkAt = performance.now();
      lastLatencyMs = Math.round((lastOkAt - started) * 100) / 100;
      return rows;
    },
    async *stream(request: StreamRequest): AsyncIterable<Row[]> {
      try {
        for await (const rows of source.stream(request)) {
          lastOkAt = performance.now();
          yield rows;
        }
      } catch (error) {
        failed(error);
      }
    },
    async insert(request: InsertRequest): Promise<void> {
      const started = performance.now();
      await source.insert(request).catch(failed);
      lastOkAt = performance.now();
      lastLatencyMs = Math.round((lastOkAt - started) * 100) / 100;
    },
    describeTable: (database, table) => source.describeTable(database, table),
    async health(): Promise<SourceHealth> {
      if (version !== undefined && performance.now() - lastOkAt < FRESH_MS) {
        return { status: 'ok', engine: source.engine, version, ...(lastLatencyMs === undefined ? {} : { latency_ms: lastLatencyMs }), checked: 'recent call' };
      }
      const health = await source.health();
      if (health.status === 'ok') {
        version = health.version;
        lastOkAt = performance.now();
      }
      return { ...health, checked: 'probe' };
    },
    close: () => source.close(),
  };
}
