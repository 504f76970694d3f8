import type { EmptyInputSpec } from '../../../runtime/contract/spec.js';
import { scanPlaceholders } from '../sql-placeholders.js';

/** A param fed to the `format()` table function as its data: `format(JSONEachRow, 'a UInt8', {rows:String})`. */
export interface FormatInput {
  param: string;
  /** The input format: `JSONEachRow`. */
  format: string;
  /** The structure argument, when the SQL gives one. */
  structure?: string;
  /** Where the call is, in the formatted SQL, and its exact text. */
  empty?: EmptyInputSpec;
}

/**
 * Finds the params that are the data of a `format()` call, in the engine's formatted SQL (code
 * only, never inside a string or comment). ClickHouse's `format()` fails on data that holds no
 * rows (NOT_FOUND_COLUMN_IN_BLOCK, ClickHouse issue 111390), so for each call with a structure
 * this also gives the same call as `null('<structure>')`, a table of that structure with no rows,
 * which the runtime runs instead when the list is empty.
 */
export function findFormatInputs(sql: string, jsonParams: ReadonlySet<string>): FormatInput[] {
  const inputs: FormatInput[] = [];
  for (const placeholder of scanPlaceholders(sql).placeholders) {
    if (!jsonParams.has(placeholder.name)) continue;
    const before = /format\(([A-Za-z0-9_]+), (?:('(?:[^'\\]|\\.)*'), )?$/.exec(sql.slice(Math.max(0, placeholder.offset - 4096), placeholder.offset));
    const after = sql.slice(placeholder.offset + placeholder.raw.length, placeholder.offset + placeholder.raw.length + 1);
    if (!before || after !== ')') continue;
    const structure = before[2];
    const start = placeholder.offset - before[0].length;
    const call = sql.slice(start, placeholder.offset + placeholder.raw.length + 1);
    inputs.push({
      param: placeholder.name,
      format: before[1]!,
      ...(structure === undefined ? {} : { structure, empty: { offset: start, call, replacement: `null(${structure})` } }),
    });
  }
  return inputs;
}

/** The text of a structure argument as the formatted SQL quotes it: `'a UInt8'` is `a UInt8`. */
export function structureText(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
}
