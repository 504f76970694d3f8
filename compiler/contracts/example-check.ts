import { isDeepStrictEqual } from 'node:util';
import type { ExampleExpectation } from '../analyze/ir.js';

/** What a tool call answered, as `mcpc test` sees it. */
export interface CallAnswer {
  isError: boolean;
  /** The tool's `structuredContent`. */
  structured?: Record<string, unknown>;
  /** The text of the result (an error's message). */
  text: string;
}

/**
 * Whether an answer shows what an example expects: each problem, in words (none: it passed).
 * Values compare as the engine writes them loosely: `2` matches `"2"` (64-bit integers come as
 * text) and `12.5` matches `"12.50"` (decimals).
 */
export function checkAnswer(answer: CallAnswer, expect: ExampleExpectation | undefined): string[] {
  if (answer.isError) return [`the call failed: ${answer.text}`];
  if (expect === undefined) return [];
  const rows = answer.structured?.rows;
  if (!Array.isArray(rows)) return ['the result has no rows'];
  const problems: string[] = [];
  const count = rows.length;
  const range = typeof expect.rows === 'number' ? { min: expect.rows, max: expect.rows } : expect.rows;
  if (range && ((range.min !== undefined && count < range.min) || (range.max !== undefined && count > range.max))) {
    const wanted =
      range.min === range.max
        ? `${range.min}`
        : range.max === undefined
          ? `at least ${range.min}`
          : range.min === undefined
            ? `at most ${range.max}`
            : `${range.min} to ${range.max}`;
    problems.push(`expected ${wanted} rows, got ${count}`);
  }
  for (const column of expect.columns ?? []) {
    const without = rows.findIndex((row) => !isRecord(row) || !(column in row));
    if (without >= 0) problems.push(`row ${without + 1} has no column '${column}'`);
  }
  if (expect.first) {
    const first = rows[0];
    if (!isRecord(first)) problems.push(`expected a first row with ${JSON.stringify(expect.first)}, got no rows`);
    else for (const miss of mismatches(first, expect.first)) problems.push(`first row: ${miss}`);
  }
  for (const wanted of expect.contains ?? []) {
    if (!rows.some((row) => isRecord(row) && mismatches(row, wanted).length === 0)) problems.push(`no row has ${JSON.stringify(wanted)}`);
  }
  return problems;
}

function mismatches(row: Record<string, unknown>, wanted: Record<string, unknown>): string[] {
  return Object.entries(wanted).flatMap(([column, value]) =>
    sameValue(row[column], value)
      ? []
      : [`${column} is ${row[column] === undefined ? 'missing' : JSON.stringify(row[column])}, expected ${JSON.stringify(value)}`],
  );
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (isDeepStrictEqual(actual, expected)) return true;
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number';
  if (!scalar(actual) || !scalar(expected)) return false;
  if (String(actual) === String(expected)) return true;
  const [a, b] = [Number(actual), Number(expected)];
  return actual !== '' && expected !== '' && Number.isFinite(a) && Number.isFinite(b) && a === b;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
