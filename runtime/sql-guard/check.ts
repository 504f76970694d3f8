import { readQueryFacts, type QueryFacts } from '../contract/query-tree.js';
import { refusedByAst } from '../contract/select-ast.js';
import { AGENT_DENIED_FUNCTIONS, AGENT_TABLE_FUNCTIONS, tablesRead } from '../contract/table-reads.js';
import { sanitize } from '../tools/query-errors.js';
import type { GuardEngine } from './engine.js';

/** What a SQL tool allows: the tables it may read, in the catalog's database. */
export interface SqlPolicy {
  /** `database.table` of every table, view and dictionary of its reads. */
  readonly tables: readonly string[];
  /** The database unqualified names resolve in. */
  readonly database: string;
}

/** The guard's answer: the canonical text to run, or why the SQL is refused. */
export type SqlVerdict = { ok: true; sql: string; columns?: Array<{ name: string; type: string }> } | { ok: false; message: string };

/**
 * Checks SQL written by an agent, in layers, each on the engine's own reading of the text:
 *
 * 1. the engine's formatter makes it canonical: one statement (several are refused), comments gone;
 *    from here on only the canonical text is looked at, and it is what runs;
 * 2. its AST is one SELECT (or WITH ... SELECT) with no FORMAT, INTO OUTFILE or SETTINGS at any
 *    depth, calls no function that reaches outside the tables (`file()`, ...), and reads through
 *    no table function outside a small allow-list; this comes before the query tree, because
 *    resolving the tree evaluates constant expressions;
 * 3. its query tree, resolved against the catalog, reads only the tables of the policy, at any
 *    depth (joins, CTEs, subqueries, `IN`, `dictGet`), `system.*` and `INFORMATION_SCHEMA`
 *    included (only when declared).
 */
export async function checkSql(engine: GuardEngine, text: string, policy: SqlPolicy): Promise<SqlVerdict> {
  let canonical: string;
  try {
    canonical = await engine.canonical(text);
  } catch (error) {
    const message = engineText(error);
    if (/Multi-statements are not allowed/.test(message)) return refuse('it holds more than one statement; send exactly one SELECT');
    if (/Empty query/i.test(message)) return refuse('it holds no statement; send one SELECT');
    return refuse(`ClickHouse cannot parse it: ${sanitize(message)}`);
  }
  let ast: string[];
  try {
    ast = await engine.ast(canonical);
  } catch (error) {
    return refuse(`ClickHouse cannot parse it: ${sanitize(engineText(error))}`);
  }
  const clause = refusedByAst(ast);
  if (clause?.problem === 'not-select')
    return refuse(`it is not a SELECT (the engine reads '${firstWords(canonical)}' as ${clause.root}); only one SELECT (or WITH ... SELECT) may run`);
  if (clause) return refuse(`${clause.clause}${clause.detail} is not allowed: the server chooses the output format and pins its own settings and limits`);
  const called = functionsIn(ast);
  const denied = called.functions.find((name) => AGENT_DENIED_FUNCTIONS.has(name) || AGENT_DENIED_LOWER.has(name.toLowerCase()));
  if (denied !== undefined) return refuse(`function ${denied}() is not allowed: it reaches outside the tables this tool may read`);
  const tableFunction = called.tableFunctions.find((name) => !AGENT_TABLE_FUNCTIONS.has(name));
  if (tableFunction !== undefined) return refuse(tableFunctionMessage(tableFunction));

  let facts: QueryFacts;
  try {
    facts = readQueryFacts(await engine.tree(canonical));
  } catch (error) {
    return refuse(`ClickHouse refuses it against the tables this tool may read${resolutionProblem(engineText(error))}${allowedList(policy)}`);
  }
  const fn = facts.tableFunctions.find((name) => !AGENT_TABLE_FUNCTIONS.has(name));
  if (fn !== undefined) return refuse(tableFunctionMessage(fn));
  const deniedCall = facts.functions.find((name) => AGENT_DENIED_FUNCTIONS.has(name));
  if (deniedCall !== undefined) return refuse(`function ${deniedCall}() is not allowed: it reaches outside the tables this tool may read`);
  const allowed = new Set(policy.tables);
  const outside = tablesRead(facts, policy.database).find((table) => !allowed.has(table));
  if (outside !== undefined) return refuse(`it reads ${shown(outside, policy.database)}, which this tool may not read${allowedList(policy)}`);
  return { ok: true, sql: canonical, ...(facts.columns ? { columns: facts.columns } : {}) };
}

/**
 * Engine errors of name resolution whose message names only what the query itself wrote (an
 * unknown column, table or function, a wrong type or argument count). Other errors are not shown:
 * resolving a tree evaluates constant expressions, scalar subqueries included, so a message such as
 * "Cannot parse string 'secrets' as UInt8" can carry what a subquery of an undeclared table (here
 * the guard engine's system.tables) returned.
 */
const NAMING_ERRORS = new Set(['16', '42', '43', '46', '47', '60', '81', '179', '184', '215', '352', '386']);

/** What the engine said about a query it could not resolve, when that is safe to show. */
function resolutionProblem(message: string): string {
  const code = /\bCode: (\d+)\./.exec(message)?.[1];
  if (code === undefined || !NAMING_ERRORS.has(code))
    return ` (ClickHouse error ${code ?? 'without a code'}; its message is withheld, as it could show values the tool may not read)`;
  // The engine's suggestions name what is in scope, an undeclared table's columns included.
  return `: ${sanitize(message).replace(/\.? Maybe you meant.*$/s, '')}`;
}

const AGENT_DENIED_LOWER = new Set([...AGENT_DENIED_FUNCTIONS].map((name) => name.toLowerCase()));

function refuse(message: string): SqlVerdict {
  return { ok: false, message };
}

function tableFunctionMessage(name: string): string {
  return `table function ${name}() is not allowed: this tool reads only the tables of its resources (table functions allowed: ${[...AGENT_TABLE_FUNCTIONS].join(', ')})`;
}

function allowedList(policy: SqlPolicy): string {
  return `; it may read: ${policy.tables.map((table) => shown(table, policy.database)).join(', ')}`;
}

function shown(qualified: string, database: string): string {
  return qualified.startsWith(`${database}.`) ? qualified.slice(database.length + 1) : qualified;
}

/**
 * The functions an AST calls, and those of them that stand as a table (a table function: a
 * function right under a `TableExpression`), by the names as written (the engine matches some
 * names in any case, so the deny-list is matched in lower case too).
 */
function functionsIn(ast: readonly string[]): { functions: string[]; tableFunctions: string[] } {
  const functions: string[] = [];
  const tableFunctions: string[] = [];
  const parents: Array<{ depth: number; node: string }> = [];
  for (const line of ast) {
    if (line.trim() === '') continue;
    const depth = line.length - line.trimStart().length;
    const node = line.trim();
    while (parents.length > 0 && parents.at(-1)!.depth >= depth) parents.pop();
    const name = /^Function (\S+)/.exec(node)?.[1];
    if (name !== undefined) {
      functions.push(name);
      if (parents.at(-1)?.node.startsWith('TableExpression')) tableFunctions.push(name);
    }
    parents.push({ depth, node });
  }
  return { functions, tableFunctions };
}

function engineText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstWords(sql: string): string {
  const words = sql.split(/\s+/).slice(0, 4).join(' ');
  return words.length > 60 ? `${words.slice(0, 60)}…` : words;
}
