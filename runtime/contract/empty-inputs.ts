import type { EmptyInputSpec } from './spec.js';

/**
 * The SQL with each given `format()` call replaced by its empty form, `null('<structure>')`
 * (later offsets first, so earlier ones hold). The compiler proves each form at build time; the
 * runtime uses it for calls whose list argument is empty, which `format()` itself cannot read.
 */
export function withEmptyInputs(sql: string, empties: readonly EmptyInputSpec[]): string {
  let out = sql;
  for (const empty of [...empties].sort((a, b) => b.offset - a.offset)) {
    if (!out.startsWith(empty.call, empty.offset)) throw new Error(`mcpc internal error: '${empty.call}' is not at offset ${empty.offset} of the tool's SQL`);
    out = `${out.slice(0, empty.offset)}${empty.replacement}${out.slice(empty.offset + empty.call.length)}`;
  }
  return out;
}
