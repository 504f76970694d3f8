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
}

export function summarize(latencies: number[], errors: number, elapsedMs: number, firstError?: string): Measurement {
  const sorted = latencies.sort((a, b) => a - b);
  return {
    calls: sorted.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    callsPerSecond: round((sorted.length / elapsedMs) * 1000, 1),
  };
}
