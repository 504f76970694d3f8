import { forEachCode, skipQuoted } from '../../runtime/contract/sql-text.js';

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

/** `{name}` written without a type: ClickHouse would reject it, and it is usually a placeholder missing its type. */
interface UntypedPlaceholder {
  name: string;
  raw: string;
  offset: number;
}

export interface SqlScan {
  placeholders: Placeholder[];
  untyped: UntypedPlaceholder[];
}

/**
 * Finds the query parameter placeholders of a SQL text, skipping string literals, quoted
 * identifiers, heredocs and every comment form ClickHouse knows (`--`, `#`, `//`, nested
 * block comments). This only maps placeholders to params for diagnostics and typing; whether
 * the SQL is one SELECT is decided by ClickHouse's own parser, and a placeholder this scan
 * missed would still fail there with "substitution not set".
 */
export function findPlaceholders(sql: string): Placeholder[] {
  return scanPlaceholders(sql).placeholders;
}

/** Typed placeholders and `{name}` written without a type, in one pass. */
export function scanPlaceholders(sql: string): SqlScan {
  const scan: SqlScan = { placeholders: [], untyped: [] };
  forEachCode(sql, (i) => {
    if (sql[i] !== '{') return i + 1;
    const placeholder = readPlaceholder(sql, i);
    if (placeholder) {
      scan.placeholders.push(placeholder);
      return placeholder.offset + placeholder.raw.length;
    }
    const untyped = /^\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/.exec(sql.slice(i, i + 200));
    if (untyped) {
      scan.untyped.push({ name: untyped[1]!, raw: untyped[0], offset: i });
      return i + untyped[0].length;
    }
    return i + 1;
  });
  return scan;
}

/**
 * The offset of the first keyword matching `pattern` (anchored at a word start, case-insensitive)
 * in code, not in a string or a comment: where a clause the engine found is written.
 */
export function findKeyword(sql: string, pattern: RegExp): number | undefined {
  const anchored = new RegExp(`^(?:${pattern.source})\\b`, 'i');
  let found: number | undefined;
  forEachCode(sql, (i) => {
    if (found !== undefined) return sql.length;
    if ((i === 0 || !/[A-Za-z0-9_]/.test(sql[i - 1]!)) && anchored.test(sql.slice(i, i + 40))) found = i;
    return i + 1;
  });
  return found;
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
