/**
 * Reads what the engine's analyzer says about queries (the compiler's catalog for declared SQL,
 * the runtime's SQL guard for SQL written by an agent), from `EXPLAIN QUERY TREE passes = 1`
 * (the tree after name resolution only, so nothing is pruned): for each subquery of a batch
 * `SELECT 1 FROM (q0) AS s0 CROSS JOIN (q1) AS s1 ...`, the columns and types it returns and
 * everything it reads (tables, table functions, dictionaries), at any depth: joins, CTEs,
 * `IN (SELECT ...)`, scalar subqueries. The engine resolved every name; nothing here guesses.
 */

/** One result column, as the engine resolved it. */
interface ResolvedColumn {
  name: string;
  type: string;
}

/** What one query returns and reads. */
export interface QueryFacts {
  /** Undefined when the tree does not give them directly (a UNION: its columns take a common supertype). */
  columns?: ResolvedColumn[];
  /** `database.table` of every table and view it reads. */
  tables: string[];
  tableFunctions: string[];
  /** Dictionaries (and Join tables) read by name through `dictGet`, `joinGet` and the like. */
  dictionaries: string[];
  /** Every ordinary and aggregate function the query calls, by the name the engine resolved. */
  functions: string[];
}

interface TreeNode {
  indent: number;
  text: string;
  children: TreeNode[];
}

/** The facts of each subquery of a batch, in the order they were written. */
export function readBatchFacts(explain: string): QueryFacts[] {
  const root = parseTree(explain);
  const joinTree = root.children.find((child) => child.text === 'JOIN TREE');
  if (!joinTree) throw new Error('mcpc internal error: the query tree has no JOIN TREE');
  return topLevelSubqueries(joinTree).map(factsOf);
}

/**
 * The facts of one query from its own `EXPLAIN QUERY TREE passes = 1`: the root is the query (a
 * QUERY, or a UNION, whose columns are then left undefined).
 */
export function readQueryFacts(explain: string): QueryFacts {
  return factsOf(parseTree(explain));
}

function parseTree(text: string): TreeNode {
  const root: TreeNode = { indent: -1, text: '', children: [] };
  const stack: TreeNode[] = [root];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const node: TreeNode = { indent: line.length - line.trimStart().length, text: line.trim(), children: [] };
    while (stack.length > 1 && stack.at(-1)!.indent >= node.indent) stack.pop();
    stack.at(-1)!.children.push(node);
    stack.push(node);
  }
  const query = root.children[0];
  if (!query || !/^(QUERY|UNION) id:/.test(query.text)) throw new Error('mcpc internal error: the query tree does not start with a QUERY');
  return query;
}

/** The subqueries directly in the batch's FROM: one, or the table expressions of its CROSS JOIN. */
function topLevelSubqueries(joinTree: TreeNode): TreeNode[] {
  const isSubquery = (node: TreeNode) => /^(QUERY|UNION) id: .*is_subquery: 1/.test(node.text);
  const [only] = joinTree.children;
  if (only && isSubquery(only)) return [only];
  const join = joinTree.children.find((child) => child.text.startsWith('CROSS JOIN id:'));
  if (!join) throw new Error('mcpc internal error: the batch is neither one subquery nor a CROSS JOIN');
  return join.children.filter((child) => child.text === 'TABLE EXPRESSION').map((expression) => expression.children.find(isSubquery)!);
}

function factsOf(query: TreeNode): QueryFacts {
  const facts: QueryFacts = { tables: [], tableFunctions: [], dictionaries: [], functions: [] };
  if (query.text.startsWith('QUERY id:')) {
    const header = query.children.find((child) => child.text === 'PROJECTION COLUMNS');
    facts.columns = (header?.children ?? []).map((line) => splitColumn(line.text));
  }
  walk(query, (node, next) => {
    const table = /^TABLE id: \d+.*, table_name: (.+)$/.exec(node.text);
    if (table) facts.tables.push(table[1]!);
    const tableFunction = /^TABLE_FUNCTION id: \d+.*, table_function_name: ([^,]+)/.exec(node.text);
    if (tableFunction) facts.tableFunctions.push(tableFunction[1]!);
    const called = /^FUNCTION id: \d+, function_name: ([^,]+),/.exec(node.text);
    if (called) facts.functions.push(called[1]!);
    const reader = /^FUNCTION id: \d+, function_name: (dictGet\w*|dictHas|dictIsIn|joinGet\w*),/.exec(node.text);
    if (reader) {
      // The first argument names what it reads: the first constant below the function.
      const name = next((child) => /^CONSTANT id: \d+, constant_value: '((?:[^'\\]|\\.)*)'/.exec(child.text)?.[1]);
      if (name !== undefined) facts.dictionaries.push(name);
    }
  });
  return facts;
}

/** Visits every node in document order; `next` finds the first later descendant a picker accepts. */
function walk(node: TreeNode, visit: (node: TreeNode, next: <T>(pick: (n: TreeNode) => T | undefined) => T | undefined) => void): void {
  const order: TreeNode[] = [];
  const collect = (n: TreeNode) => {
    order.push(n);
    for (const child of n.children) collect(child);
  };
  collect(node);
  order.forEach((current, index) => {
    visit(current, (pick) => {
      for (const candidate of order.slice(index + 1)) {
        if (candidate.indent <= current.indent) return undefined;
        const found = pick(candidate);
        if (found !== undefined) return found;
      }
      return undefined;
    });
  });
}

/**
 * `total amount Decimal(38, 2)` → name `total amount`, type `Decimal(38, 2)`. A column's name may
 * hold anything, but its type is always the last top-level word of the line: an identifier and,
 * if it has them, its parenthesized arguments (which may quote strings with escapes).
 */
function splitColumn(line: string): ResolvedColumn {
  let end = line.length;
  if (line.endsWith(')')) {
    let depth = 0;
    let i = line.length - 1;
    for (; i >= 0; i--) {
      const ch = line[i]!;
      if (ch === "'" && line[i - 1] !== '\\') {
        i = line.lastIndexOf("'", i - 1);
        while (i > 0 && line[i - 1] === '\\') i = line.lastIndexOf("'", i - 2);
        continue;
      }
      if (ch === ')') depth++;
      else if (ch === '(' && --depth === 0) break;
    }
    end = i;
  }
  const start = line.lastIndexOf(' ', end - 1) + 1;
  if (start <= 0) throw new Error(`mcpc internal error: cannot read a column from '${line}'`);
  return { name: line.slice(0, start - 1), type: line.slice(start) };
}
