import { forEachCode } from '../../../runtime/contract/sql-text.js';

/** A column of the top-level `ORDER BY`, as written in the engine's formatted SQL. */
interface OrderColumn {
  name: string;
  descending: boolean;
}

export type OrderByKey = { ok: true; columns: OrderColumn[] } | { ok: false; problem: string; offset?: number };

/**
 * The key a stream resumes by: the top-level `ORDER BY` of its SQL (the engine's formatted text),
 * when every element is a column of the result, plain or backquoted, with a direction. Refused:
 * no top-level `ORDER BY`, a top-level `LIMIT` (a stream reads up to its own `max_rows`), a
 * `UNION`/`INTERSECT`/`EXCEPT` at the top, and elements that are expressions, `WITH FILL` or
 * `COLLATE`, which no cursor can resume after.
 */
export function orderByKey(sql: string): OrderByKey {
  const clauses = topLevelKeywords(sql);
  const set = clauses.find((c) => /^(UNION|INTERSECT|EXCEPT)$/.test(c.word));
  if (set) return { ok: false, problem: `its SQL is a ${set.word} at the top, which has no one order to resume by`, offset: set.offset };
  const limit = clauses.find((c) => c.word === 'LIMIT' || c.word === 'OFFSET' || c.word === 'FETCH');
  if (limit)
    return { ok: false, problem: `its SQL has a ${limit.word} at the top; a stream reads up to its stream.max_rows, page by page`, offset: limit.offset };
  const order = clauses.filter((c) => c.word === 'ORDER BY').at(-1);
  if (!order) return { ok: false, problem: 'its SQL has no ORDER BY at the top, so there is no key to resume a page after' };
  const fill = clauses.find((c) => c.offset > order.offset && (c.word === 'WITH FILL' || c.word === 'INTERPOLATE'));
  if (fill) return { ok: false, problem: `its ORDER BY has ${fill.word}, whose made-up rows no cursor can resume after`, offset: fill.offset };
  const end = clauses.find((c) => c.offset > order.offset && c.word !== 'ORDER BY')?.offset ?? sql.length;
  const columns: OrderColumn[] = [];
  for (const element of splitTopLevel(sql.slice(order.offset + 'ORDER BY'.length, end))) {
    const parsed = /^(`(?:[^`\\]|\\.)+`|[A-Za-z_][A-Za-z0-9_]*)(?:\s+(ASC|DESC|ASCENDING|DESCENDING))?(?:\s+NULLS\s+(?:FIRST|LAST))?$/i.exec(element.trim());
    if (!parsed) {
      return {
        ok: false,
        problem: `ORDER BY ${element.trim()} is not a column of the result; name the expression in the SELECT (... AS day) and order by that name`,
        offset: order.offset,
      };
    }
    const raw = parsed[1]!;
    const name = raw.startsWith('`') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    columns.push({ name, descending: /^DESC/i.test(parsed[2] ?? '') });
  }
  return { ok: true, columns };
}

interface Keyword {
  word: string;
  offset: number;
}

/** Clause keywords at parenthesis depth 0, in code (not in strings or comments). */
function topLevelKeywords(sql: string): Keyword[] {
  const found: Keyword[] = [];
  let depth = 0;
  forEachCode(sql, (i) => {
    const ch = sql[i]!;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && (i === 0 || !/[A-Za-z0-9_]/.test(sql[i - 1]!))) {
      const match = /^(ORDER\s+BY|LIMIT|OFFSET|FETCH|UNION|INTERSECT|EXCEPT|SETTINGS|FORMAT|WITH\s+FILL|INTERPOLATE)\b/i.exec(sql.slice(i, i + 20));
      if (match) {
        found.push({ word: match[1]!.toUpperCase().replace(/\s+/, ' '), offset: i });
        return i + match[0].length;
      }
    }
    return i + 1;
  });
  return found;
}

/** The comma-separated parts of a text, splitting only at depth 0 in code. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  forEachCode(text, (i) => {
    const ch = text[i]!;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    return i + 1;
  });
  parts.push(text.slice(start));
  return parts;
}
