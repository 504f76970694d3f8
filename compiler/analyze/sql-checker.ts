import type { Session } from 'chdb';
import { type ForbiddenClause, refusedByAst } from '../../runtime/contract/select-ast.js';
import { engineMessage } from './engine-message.js';
import { findKeyword, findPlaceholders } from './sql-placeholders.js';

/** What the engine's parser says about one tool's SQL. */
export type SqlVerdict =
  | {
      ok: true;
      /** One line, comments removed: the text every check ran on. */
      canonical: string;
      /** The engine's multi-line layout of the same query, proven to format back to `canonical`; for readers. */
      formatted: string;
    }
  | { ok: false; problem: 'syntax' | 'multi-statement' | 'not-select' | 'forbidden-clause'; message: string; offset?: number }
  | { ok: false; problem: 'undeclared-placeholder'; name: string; message: string };

export interface PlaceholderSample {
  name: string;
  type: string;
  /** A value the type parses, so the engine can substitute it and show the AST. */
  sample: unknown;
}

/**
 * Proves with ClickHouse's own parser (embedded chDB, no database needed) that a SQL text is
 * exactly one SELECT without FORMAT, INTO OUTFILE or SETTINGS, and returns the canonical text
 * the server will run. The canonical text is what was checked: comments are gone and a second
 * statement cannot hide in it. A second parser of our own could disagree with the engine.
 */
export class SqlChecker {
  /** Canonical and multi-line texts formatted ahead in batches, by SQL text; a miss asks the engine alone. */
  private readonly known = new Map<string, Forms>();

  /** The compiler's in-process engine, which the build-time catalog shares (one engine per process). */
  private constructor(readonly session: Session) {}

  static async open(): Promise<SqlChecker> {
    // Loaded on demand: the engine is a large native library that `mcpc --help` should not pay for.
    const { Session: ChdbSession } = await import('chdb');
    return new SqlChecker(new ChdbSession());
  }

  /**
   * Formats many SQL texts in a few engine queries instead of one each (a thousand tools: 0.2 s
   * instead of 2 s). Texts that do not parse come back as NULL and are left to `check`, whose own
   * query brings the engine's message. Batches stay well under the engine's 256 KiB query size.
   * Returns how many of the texts now have their canonical form at hand.
   */
  async formatAhead(sqls: readonly string[]): Promise<number> {
    const pending = [...new Set(sqls)].filter((sql) => !this.known.has(sql));
    for (const batch of batchesOf(pending, 64 * 1024)) {
      let forms: Array<RawForms>;
      try {
        const result = await this.session.queryBindAsync(
          `SELECT arrayMap(q -> ${formsOf('q')}, {qs:Array(String)}) AS forms`,
          { qs: batch },
          { format: 'JSONEachRow' },
        );
        forms = (JSON.parse(result.text()) as { forms: RawForms[] }).forms;
      } catch {
        continue; // each text of this batch is then checked alone, with the engine's own message
      }
      batch.forEach((sql, index) => {
        const found = settle(forms[index]);
        if (found) this.known.set(sql, found);
      });
    }
    return sqls.filter((sql) => this.known.has(sql)).length;
  }

  async check(sql: string, placeholders: readonly PlaceholderSample[]): Promise<SqlVerdict> {
    let forms = this.known.get(sql);
    if (forms === undefined) {
      try {
        const result = await this.session.queryBindAsync(`SELECT ${formsOf('{q:String}')} AS forms`, { q: sql }, { format: 'JSONEachRow' });
        forms = settle((JSON.parse(result.text()) as { forms: RawForms }).forms);
        // A text that does not parse: formatQuerySingleLine (not ...OrNull) brings the engine's own message.
        if (!forms) await this.session.queryBindAsync('SELECT formatQuerySingleLine({q:String})', { q: sql }, { format: 'TSVRaw' });
      } catch (error) {
        return parseFailure(engineMessage(error));
      }
      if (!forms) return { ok: false, problem: 'syntax', message: 'the engine could not format this SQL' };
    }
    const { canonical, formatted } = forms;
    if (!/^(SELECT|WITH)\b/.test(canonical)) {
      return { ok: false, problem: 'not-select', message: `it runs '${firstWords(canonical)}', but a query tool may only run a SELECT` };
    }
    if (isPlainSelect(canonical, placeholders)) return { ok: true, canonical, formatted };

    const samples: Record<string, unknown> = {};
    for (const p of placeholders) samples[p.name] = p.sample;
    let ast: string[];
    try {
      const result = await this.session.queryBindAsync(`EXPLAIN AST ${canonical}`, samples, { format: 'TSVRaw' });
      ast = result.text().split('\n');
    } catch (error) {
      const message = engineMessage(error);
      const unset = /Substitution `([^`]+)` is not set/.exec(message);
      if (unset) return { ok: false, problem: 'undeclared-placeholder', name: unset[1]!, message };
      return { ok: false, problem: 'syntax', message };
    }
    const refused = inspectAst(ast);
    if (!refused) return { ok: true, canonical, formatted };
    // The AST has no positions: point at where the clause is written in the user's text.
    const offset = refused.clause === undefined ? undefined : findKeyword(sql, CLAUSE_KEYWORDS[refused.clause]);
    return { ...refused.verdict, ...(offset === undefined ? {} : { offset }) };
  }

  close(): void {
    this.session.close();
  }
}

/** The engine's forms of the text `q` (an expression), in one expression: canonical, multi-line, and the multi-line one formatted back to one line. */
function formsOf(q: string): string {
  return `tuple(formatQuerySingleLineOrNull(${q}), formatQueryOrNull(${q}), formatQuerySingleLineOrNull(formatQueryOrNull(${q})))`;
}
type RawForms = [string | null, string | null, string | null];

interface Forms {
  canonical: string;
  formatted: string;
}

/**
 * The canonical text, and the multi-line text when it provably has the same AST (it formats
 * back to the canonical text); otherwise the canonical text serves for both.
 */
function settle(raw: RawForms | undefined): Forms | undefined {
  const [canonical, multiLine, roundTrip] = raw ?? [null, null, null];
  if (canonical === null) return undefined;
  const formatted = multiLine !== null && roundTrip === canonical ? multiLine.replace(/\n+$/, '') : canonical;
  return { canonical, formatted };
}

/** Splits texts into batches of at most `maxBytes` UTF-8 bytes in all (a longer text goes alone). */
function batchesOf(texts: readonly string[], maxBytes: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const text of texts) {
    const bytes = Buffer.byteLength(text);
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(text);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Whether the canonical text alone settles the verdict, saving the engine a second query (each
 * costs about a millisecond, which adds up over a thousand tools). The formatter writes every
 * keyword in upper case, so a text that starts with SELECT or WITH and nowhere contains FORMAT,
 * OUTFILE or SETTINGS has none of those clauses; and when it holds exactly the placeholders the
 * tool binds, none can be missing. Anything else goes to the AST for the authoritative answer.
 */
function isPlainSelect(canonical: string, placeholders: readonly PlaceholderSample[]): boolean {
  if (/\b(FORMAT|OUTFILE|SETTINGS)\b/.test(canonical)) return false;
  const found = new Set(findPlaceholders(canonical).map((p) => p.name));
  return found.size === placeholders.length && placeholders.every((p) => found.has(p.name));
}

type Clause = ForbiddenClause;
const CLAUSE_KEYWORDS: Record<Clause, RegExp> = { FORMAT: /FORMAT/, 'INTO OUTFILE': /INTO\s+OUTFILE/, SETTINGS: /SETTINGS/ };

/** Looks for what a declared SELECT must not contain, in the engine's own AST dump. */
function inspectAst(lines: string[]): { verdict: SqlVerdict & { ok: false }; clause?: Clause } | undefined {
  const refused = refusedByAst(lines);
  if (!refused) return undefined;
  if (refused.problem === 'forbidden-clause') return forbidden(refused.clause, refused.detail);
  return {
    verdict: { ok: false, problem: 'not-select', message: `the engine parses it as ${refused.root}, but a query tool may only run a SELECT` },
  };
}

function forbidden(clause: Clause, detail = ''): { verdict: SqlVerdict & { ok: false }; clause: Clause } {
  return {
    clause,
    verdict: {
      ok: false,
      problem: 'forbidden-clause',
      message: `${clause}${detail} is not allowed: the server chooses the output format and pins its own settings and limits`,
    },
  };
}

function parseFailure(message: string): SqlVerdict {
  const position = /failed at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) - 1 : undefined;
  const problem = /Multi-statements are not allowed/.test(message) ? 'multi-statement' : 'syntax';
  const text = problem === 'multi-statement' ? 'it holds more than one statement; a tool runs exactly one SELECT' : describeSyntaxError(message);
  return { ok: false, problem, message: text, ...(offset === undefined ? {} : { offset }) };
}

/**
 * "Syntax error: failed at position 46 (=) (line 3, col 18): = 1. Expected one of: A, B, ..."
 * becomes "syntax error at '='; expected one of: A, B, ... (and 20 more)": the diagnostic already
 * points at the line and column, and the engine's list of alternatives can run to dozens.
 */
function describeSyntaxError(message: string): string {
  const match = /^Syntax error: failed at position \d+ \((.*?)\)(?: \(line \d+, col \d+\))?: (.*)$/s.exec(message);
  if (!match) return message;
  const [, token, rest] = match;
  const expected = /Expected one of: (.*)$/s.exec(rest ?? '');
  const where = token === 'end of query' ? 'at the end of the query' : `at '${token}'`;
  if (!expected) {
    const detail = (rest ?? '').replace(/^.*?\. /s, '').trim();
    return `syntax error ${where}${detail ? `: ${detail}` : ''}`;
  }
  const options = [
    ...new Set(
      expected[1]!
        .split(', ')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    ),
  ];
  const shown = options.slice(0, 8).join(', ');
  return `syntax error ${where}; expected ${options.length === 1 ? '' : 'one of: '}${shown}${options.length > 8 ? `, … (${options.length - 8} more)` : ''}`;
}

function firstWords(sql: string): string {
  const words = sql.split(/\s+/).slice(0, 3).join(' ');
  return words.length > 40 ? `${words.slice(0, 40)}…` : words;
}
