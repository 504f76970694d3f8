import type { QueryFacts } from './query-tree.js';

/**
 * Table functions that read nothing outside the query itself: generated numbers and rows, the
 * call's own arguments (`format`), an empty table of a structure (`null`). Every other table
 * function reaches a file, a URL, another server or another table, and is refused in declared
 * SQL. `view(...)` is not among them: the engine's query tree leaves its inner query unresolved
 * (`IDENTIFIER secret`, not `TABLE default.secret`), so the tables it reads could not be checked.
 */
export const SELF_CONTAINED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'generate_series',
  'generateSeries',
  'generateRandom',
  'format',
  'null',
  'values',
]);

/**
 * The table functions SQL written by an agent may use: those above that also run under
 * `readonly=1` (checked on chDB 26.7: `zeros()` and `format()` are refused in that mode, while
 * `numbers()`, `generate_series()`, `values()` and `null()` run). `generateRandom` is left out: it
 * reads nothing, but an agent exploring tables has no use for random rows.
 */
export const AGENT_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['numbers', 'numbers_mt', 'generate_series', 'generateSeries', 'values', 'null']);

/**
 * Ordinary functions that reach outside the tables a query names, refused in SQL written by an
 * agent. `file()` reads any file the process can open, even under `readonly=1` (checked on chDB
 * 26.7: `SELECT file('/etc/passwd')` returns it); `hasColumnInTable()` probes the columns of any
 * table, declared or not; `catboostEvaluate()` loads a model file from disk; `generateSerialID()`
 * writes a counter in Keeper. (`dictGet` and `joinGet` read a dictionary or a Join table by name:
 * those are checked as reads, against the declared tables.)
 */
export const AGENT_DENIED_FUNCTIONS: ReadonlySet<string> = new Set(['file', 'hasColumnInTable', 'catboostEvaluate', 'generateSerialID']);

/** What `SELECT 1` without FROM reads: nothing a caller could see. */
const NOTHING = 'system.one';

/**
 * Every table, view and dictionary a query reads, as `database.table` (a dictionary named
 * without its database is in `database`, the one the query runs in), each once, in order.
 */
export function tablesRead(facts: QueryFacts, database: string): string[] {
  const read = [...facts.tables, ...facts.dictionaries.map((d) => (d.includes('.') ? d : `${database}.${d}`))];
  return [...new Set(read)].filter((qualified) => qualified !== NOTHING);
}

/** `database.table` split at its first dot (a table's name may hold dots; a database's does not here). */
export function splitQualified(qualified: string): [string, string] {
  const dot = qualified.indexOf('.');
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
}
