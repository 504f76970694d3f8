/**
 * ClickHouse type texts as the engine writes them (`system.columns`, `DESCRIBE`, `toTypeName`) and
 * as pipelines write them in placeholders and `format()` structures: `Array(Nullable(String))`,
 * `DateTime64(3, 'Asia/Kolkata')`, `Enum8('a\'b' = 1)`, `Tuple(\n    id UInt64,\n    `the name` String)`.
 * One parser serves the compiler's placeholder rules and the JSON mapping of result columns.
 */

/** A type: its constructor and its arguments. */
export interface TypeNode {
  /** The constructor name (`Nullable`, `Array`, `UInt32`, ...). */
  readonly name: string;
  readonly args: readonly TypeArg[];
  /** The type as written, without surrounding whitespace. */
  readonly text: string;
}

/**
 * One argument of a type, classified: a type (`Array(T)`), a named element (`Tuple(a T)`,
 * `Nested(a T)`), a string (`DateTime('UTC')`), a number (`FixedString(16)`), an enum element
 * (`'name' = 1`), or anything else, kept as text (`AggregateFunction(quantiles(0.5), ...)`'s
 * function, `JSON(SKIP a.b)`). `text` is the argument as written.
 */
export type TypeArg =
  | { readonly kind: 'type'; readonly type: TypeNode; readonly text: string }
  | { readonly kind: 'named'; readonly name: string; readonly type: TypeNode; readonly text: string }
  | { readonly kind: 'string'; readonly value: string; readonly text: string }
  | { readonly kind: 'number'; readonly value: string; readonly text: string }
  | { readonly kind: 'enum'; readonly name: string; readonly value: string; readonly text: string }
  | { readonly kind: 'other'; readonly text: string };

/** A column of a `format()` structure (`'id UInt64, name String'`). */
export interface StructureColumn {
  readonly name: string;
  readonly type: TypeNode;
}

/** The text is not a well-formed type (unbalanced parentheses or quotes, no type name, trailing text). */
export class TypeTextError extends Error {}

interface Token {
  kind: 'ident' | 'quoted' | 'string' | 'number' | 'punct';
  /** The token as written. */
  raw: string;
  /** Identifiers and literals unescaped; punctuation as is. */
  value: string;
  start: number;
  end: number;
}

/** Parses one type. */
export function parseTypeText(text: string): TypeNode {
  const tokens = tokenize(text);
  const parser = new Parser(text, tokens, 0, tokens.length);
  const node = parser.type();
  if (parser.pos !== tokens.length) throw new TypeTextError(`unexpected '${tokens[parser.pos]!.raw}' after the type in '${text.trim()}'`);
  return node;
}

/** Parses a `format()` structure: `name Type` pairs separated by commas. */
export function parseStructureText(text: string): StructureColumn[] {
  const tokens = tokenize(text);
  const args = new Parser(text, tokens, 0, tokens.length).argList(tokens.length);
  if (args.length === 0) throw new TypeTextError('a structure needs at least one column');
  return args.map((arg) => {
    if (arg.kind !== 'named') throw new TypeTextError(`'${arg.text}' is not a column: write its name, then its type`);
    return { name: arg.name, type: arg.type };
  });
}

class Parser {
  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
    public pos: number,
    private readonly end: number,
  ) {}

  /** A type name and its parenthesized arguments, if any. */
  type(): TypeNode {
    const head = this.tokens[this.pos];
    if (head === undefined || this.pos >= this.end) throw new TypeTextError(`a type is missing in '${this.text.trim()}'`);
    if (head.kind !== 'ident') throw new TypeTextError(`'${head.raw}' is not a ClickHouse type name`);
    this.pos++;
    if (!this.at('(')) return { name: head.value, args: [], text: head.raw };
    const close = this.closingParen(this.pos);
    this.pos++;
    const args = this.argList(close);
    this.pos = close + 1;
    return { name: head.value, args, text: this.text.slice(head.start, this.tokens[close]!.end) };
  }

  /** Comma-separated arguments from `pos` up to the token at `stop`. */
  argList(stop: number): TypeArg[] {
    const args: TypeArg[] = [];
    if (this.pos === stop) return args;
    for (;;) {
      const argEnd = this.argEnd(this.pos, stop);
      if (argEnd === this.pos) throw new TypeTextError(`an argument is missing in '${this.text.trim()}'`);
      args.push(this.classify(this.pos, argEnd));
      this.pos = argEnd;
      if (argEnd === stop) return args;
      this.pos++; // the comma
      if (this.pos === stop) throw new TypeTextError(`an argument is missing after ',' in '${this.text.trim()}'`);
    }
  }

  private classify(from: number, to: number): TypeArg {
    const t = this.tokens;
    const text = this.text.slice(t[from]!.start, t[to - 1]!.end);
    const count = to - from;
    const first = t[from]!;
    if (count === 1 && first.kind === 'string') return { kind: 'string', value: first.value, text };
    if (count === 1 && first.kind === 'number') return { kind: 'number', value: first.value, text };
    if (count === 3 && first.kind === 'string' && t[from + 1]!.raw === '=' && t[from + 2]!.kind === 'number') {
      return { kind: 'enum', name: first.value, value: t[from + 2]!.value, text };
    }
    if ((first.kind === 'ident' || first.kind === 'quoted') && t[from + 1]?.kind === 'ident' && from + 1 < to) {
      const type = this.typeWithin(from + 1, to);
      if (type) return { kind: 'named', name: first.value, type, text };
    }
    const type = first.kind === 'ident' ? this.typeWithin(from, to) : undefined;
    return type ? { kind: 'type', type, text } : { kind: 'other', text };
  }

  /** The type spanning exactly tokens [from, to), or undefined when they are something else. */
  private typeWithin(from: number, to: number): TypeNode | undefined {
    const sub = new Parser(this.text, this.tokens, from, to);
    try {
      const node = sub.type();
      return sub.pos === to ? node : undefined;
    } catch (error) {
      if (error instanceof TypeTextError) return undefined;
      throw error;
    }
  }

  private at(punct: string): boolean {
    return this.pos < this.end && this.tokens[this.pos]!.kind === 'punct' && this.tokens[this.pos]!.raw === punct;
  }

  /** The index of the `)` matching the `(` at `open`. */
  private closingParen(open: number): number {
    let depth = 0;
    for (let i = open; i < this.end; i++) {
      const token = this.tokens[i]!;
      if (token.kind !== 'punct') continue;
      if (token.raw === '(') depth++;
      else if (token.raw === ')' && --depth === 0) return i;
    }
    throw new TypeTextError(`'${this.text.trim()}' has unbalanced parentheses`);
  }

  /** The index of the top-level `,` or the `stop` that ends the argument starting at `from`. */
  private argEnd(from: number, stop: number): number {
    let depth = 0;
    for (let i = from; i < stop; i++) {
      const token = this.tokens[i]!;
      if (token.kind !== 'punct') continue;
      if (token.raw === '(') depth++;
      else if (token.raw === ')') depth--;
      else if (token.raw === ',' && depth === 0) return i;
      if (depth < 0) throw new TypeTextError(`'${this.text.trim()}' has unbalanced parentheses`);
    }
    if (depth !== 0) throw new TypeTextError(`'${this.text.trim()}' has unbalanced parentheses`);
    return stop;
  }
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    WORD.lastIndex = i;
    NUMBER.lastIndex = i;
    const word = WORD.exec(text);
    const number = NUMBER.exec(text);
    if (word) {
      i += word[0].length;
      tokens.push({ kind: 'ident', raw: word[0], value: word[0], start, end: i });
    } else if (ch === "'" || ch === '`' || ch === '"') {
      const { value, end } = readQuoted(text, i);
      i = end;
      tokens.push({ kind: ch === "'" ? 'string' : 'quoted', raw: text.slice(start, end), value, start, end });
    } else if (number) {
      i += number[0].length;
      tokens.push({ kind: 'number', raw: number[0], value: number[0], start, end: i });
    } else {
      i++;
      tokens.push({ kind: 'punct', raw: ch, value: ch, start, end: i });
    }
  }
  return tokens;
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', v: '\v', e: '\x1b' };

/**
 * A quoted string or identifier starting at `start`, unescaped as ClickHouse does: backslash
 * escapes (`\n`, `\t`, `\'`, `\\`, `\xHH` as a byte), and a doubled quote for the quote itself.
 */
function readQuoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start]!;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const push = (s: string) => bytes.push(...encoder.encode(s));
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) break;
      const hex = next === 'x' ? /^[0-9A-Fa-f]{2}/.exec(text.slice(i + 2, i + 4)) : null;
      if (hex) {
        bytes.push(Number.parseInt(hex[0], 16));
        i += 4;
      } else {
        const code = next.codePointAt(0)!;
        const char = String.fromCodePoint(code);
        push(ESCAPES[char] ?? char);
        i += 1 + char.length;
      }
    } else if (ch === quote) {
      if (text[i + 1] !== quote) return { value: new TextDecoder().decode(new Uint8Array(bytes)), end: i + 1 };
      push(quote);
      i += 2;
    } else {
      const char = String.fromCodePoint(text.codePointAt(i)!);
      push(char);
      i += char.length;
    }
  }
  throw new TypeTextError(`'${text.trim()}' has an unterminated ${quote} quote`);
}
