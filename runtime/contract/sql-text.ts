// Where code is in a ClickHouse SQL text: outside string literals, quoted identifiers, heredocs
// and every comment form ClickHouse knows (`--`, `#`, `//`, nested `/* */`). The compiler finds
// placeholders and clauses with it; the runtime splits seed files into statements with it.

/** One statement of a text of several, as `splitStatements` finds it. */
export interface SqlStatement {
  /** The statement from its first code character up to (not including) its `;`. */
  text: string;
  /** Offset of its first code character in the whole text. */
  offset: number;
  /** 1-based line of its first code character, for messages that point into the file. */
  line: number;
}

/**
 * Splits a text into its `;`-separated statements; a `;` inside a literal, a quoted identifier,
 * a heredoc or a comment separates nothing. Comments before a statement are not part of it, and
 * a stretch of only whitespace and comments is no statement.
 */
export function splitStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let first: number | undefined;
  let line = 1;
  let counted = 0;
  const begin = (offset: number) => {
    if (first !== undefined) return;
    first = offset;
    for (; counted < offset; counted++) if (sql.charCodeAt(counted) === 10) line++;
  };
  const end = (offset: number) => {
    if (first !== undefined) statements.push({ text: sql.slice(first, offset).trimEnd(), offset: first, line });
    first = undefined;
  };
  forEachCode(
    sql,
    (i) => {
      const ch = sql[i]!;
      if (ch === ';') end(i);
      else if (!/\s/.test(ch)) begin(i);
      return i + 1;
    },
    // A literal is part of a statement too, wherever it stands.
    (start) => begin(start),
  );
  end(sql.length);
  return statements;
}

/**
 * Calls `visit` at every offset of the text that is code (outside quotes, heredocs and comments);
 * `visit` returns the offset to continue from. `onLiteral` hears where each quoted text or heredoc
 * starts, which is code as well, though nothing inside it is.
 */
export function forEachCode(sql: string, visit: (offset: number) => number, onLiteral?: (offset: number) => void): void {
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      onLiteral?.(i);
      i = skipQuoted(sql, i, ch);
    } else if ((ch === '-' && next === '-') || (ch === '/' && next === '/') || ch === '#') i = skipLine(sql, i);
    else if (ch === '/' && next === '*') i = skipBlockComment(sql, i);
    else if (ch === '$' && /^\$([A-Za-z0-9_]*)\$/.test(sql.slice(i, i + 66))) {
      onLiteral?.(i);
      i = skipHeredoc(sql, i);
    } else i = Math.max(i + 1, visit(i));
  }
}

/** The offset just past the quoted text that starts at `start` with `quote` (doubled quotes and backslashes escape). */
export function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === '\\') i += 2;
    else if (ch === quote) {
      if (sql[i + 1] === quote)
        i += 2; // doubled quote is an escaped quote
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function skipLine(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end < 0 ? sql.length : end + 1;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** `$tag$ ... $tag$` string literals (the tag may be empty). */
function skipHeredoc(sql: string, start: number): number {
  const tag = /^\$([A-Za-z0-9_]*)\$/.exec(sql.slice(start))![0];
  const end = sql.indexOf(tag, start + tag.length);
  return end < 0 ? sql.length : end + tag.length;
}

/** A ClickHouse string literal of this text. */
export function quoteString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A ClickHouse identifier of this name, quoted: any name, whatever it holds. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
