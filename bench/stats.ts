/** The q-quantile (0..1) of samples, by nearest rank. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** What one measurement of one target reports. */
export interface Measurement {
  calls: number;
  errors: number;
  firstError?: string;
  p50: number;
  p99: number;
  callsPerSecond: number;
  /** For calls that stream: the rows received, per second of the measurement, and the p50 time from a call to its first rows. */
  streamed?: { rows: number; rowsPerSecond: number; firstRowsP50: number };
}

/** What one call that streams received: its rows, and how long after the call the first came. */
export interface Streamed {
  rows: number;
  firstRowsMs: number;
}

export function summarize(latencies: number[], errors: number, elapsedMs: number, firstError?: string, streams: Streamed[] = []): Measurement {
  const sorted = latencies.sort((a, b) => a - b);
  const rows = streams.reduce((sum, s) => sum + s.rows, 0);
  return {
    calls: sorted.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    callsPerSecond: round((sorted.length / elapsedMs) * 1000, 1),
    ...(streams.length === 0
      ? {}
      : { streamed: { rows, rowsPerSecond: round((rows / elapsedMs) * 1000, 0), firstRowsP50: round(median(streams.map((s) => s.firstRowsMs))) } }),
  };
}
