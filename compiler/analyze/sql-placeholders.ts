/** A `{name:Type}` query parameter placeholder as written in a tool's SQL. */
export interface Placeholder {
  name: string;
  /** The ClickHouse type text, trimmed. */
  type: string;
  /** The placeholder exactly as written, for locating it in the file. */
  raw: string;
  /** Offset of `{` in the SQL text. */
  offset: number;
}

/**
 * Finds the query parameter placeholders of a SQL text, skipping string literals, quoted
 * identifiers, heredocs and every comment form ClickHouse knows (`--`, `#`, `//`, nested
 * block comments). This only maps placeholders to params for diagnostics and typing; whether
 * the SQL is one SELECT is decided by ClickHouse's own parser, and a placeholder this scan
 * missed would still fail there with "substitution not set".
 */
export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') i = skipQuoted(sql, i, ch);
    else if ((ch === '-' && next === '-') || (ch === '/' && next === '/') || ch === '#') i = skipLine(sql, i);
    else if (ch === '/' && next === '*') i = skipBlockComment(sql, i);
    else if (ch === '$') i = skipHeredoc(sql, i);
    else if (ch === '{') {
      const placeholder = readPlaceholder(sql, i);
      if (placeholder) {
        found.push(placeholder);
        i = placeholder.offset + placeholder.raw.length;
      } else i++;
    } else i++;
  }
  return found;
}

function skipQuoted(sql: string, start: number, quote: string): number {
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
  const match = /^\$([A-Za-z0-9_]*)\$/.exec(sql.slice(start));
  if (!match) return start + 1;
  const tag = match[0];
  const end = sql.indexOf(tag, start + tag.length);
  return end < 0 ? sql.length : end + tag.length;
}

function readPlaceholder(sql: string, start: number): Placeholder | undefined {
  const head = /^\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(sql.slice(start, start + 200));
  if (!head) return undefined;
  // The type may hold parentheses and quoted enum names, so scan to the matching `}`.
  let i = start + head[0].length;
  let depth = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'") i = skipQuoted(sql, i, ch);
    else {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === '}' && depth === 0) {
        const type = sql.slice(start + head[0].length, i).trim();
        if (type === '') return undefined;
        return { name: head[1]!, type, raw: sql.slice(start, i + 1), offset: start };
      } else if (ch === '\n' || ch === '{') return undefined;
      i++;
    }
  }
  return undefined;
}
