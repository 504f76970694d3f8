import { CodeBlockWriter, type WriterFunction } from 'ts-morph';

/** Writes one property's value. */
export type Entry = [key: string, write: (w: CodeBlockWriter) => void];

/**
 * A TypeScript file written statement by statement with ts-morph's CodeBlockWriter (two-space
 * indentation, double quotes, `\n`), one blank line between statements. Nothing is parsed: the
 * text written is the file.
 */
export function writeFile(statements: readonly WriterFunction[]): string {
  const writer = new CodeBlockWriter({ indentNumberOfSpaces: 2, useTabs: false, useSingleQuote: false, newLine: '\n' });
  statements.forEach((statement, index) => {
    if (index > 0) writer.blankLineIfLastNot();
    statement(writer);
  });
  return writer.newLineIfLastNot().toString();
}

/** A `/** doc *\/` line, then a statement whose value is written by `body`. */
export function constant(doc: string, head: string, body: (w: CodeBlockWriter) => void): WriterFunction {
  return (w) => {
    w.writeLine(`/** ${doc} */`).write(head);
    body(w);
    w.write(';').newLine();
  };
}

/** A one-line JSDoc block on a line of its own, as ts-morph prints a `docs` entry. */
export function jsDoc(w: CodeBlockWriter, text: string): void {
  w.write(`/** ${text}`).spaceIfLastNot().write('*/').newLine();
}

export function value(v: unknown): (w: CodeBlockWriter) => void {
  return (w) => writeValue(w, v);
}

/**
 * Writes a JSON value as TypeScript: identifier keys unquoted, one entry per line, except that
 * short lists and objects of scalars stay on one line.
 */
function writeValue(w: CodeBlockWriter, v: unknown): void {
  if (Array.isArray(v) || (v !== null && typeof v === 'object')) {
    const flat = compact(v);
    if (flat !== undefined) {
      w.write(flat);
      return;
    }
    if (Array.isArray(v)) {
      w.write('[').newLine();
      w.indent(() =>
        v.forEach((item) => {
          writeValue(w, item);
          w.write(',').newLine();
        }),
      );
      w.write(']');
      return;
    }
    writeObject(
      w,
      Object.entries(v as Record<string, unknown>).map(([key, item]) => [key, value(item)]),
    );
    return;
  }
  w.write(JSON.stringify(v));
}

export function writeObject(w: CodeBlockWriter, entries: Entry[]): void {
  if (entries.length === 0) {
    w.write('{}');
    return;
  }
  w.write('{').newLine();
  w.indent(() => {
    for (const [key, write] of entries) {
      w.write(`${propertyName(key)}: `);
      write(w);
      w.write(',').newLine();
    }
  });
  w.write('}');
}

/** One-line form for a list or object of scalars that fits in 80 characters. */
function compact(v: object): string | undefined {
  const items = Array.isArray(v) ? v : Object.values(v);
  if (items.some((item) => item !== null && typeof item === 'object')) return undefined;
  const text = Array.isArray(v)
    ? `[${v.map((item) => JSON.stringify(item)).join(', ')}]`
    : Object.keys(v).length === 0
      ? '{}'
      : `{ ${Object.entries(v)
          .map(([key, item]) => `${propertyName(key)}: ${JSON.stringify(item)}`)
          .join(', ')} }`;
  return text.length <= 80 ? text : undefined;
}

export function propertyName(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

/** A template literal holding `text` exactly, lines as they are: for SQL a reader should see laid out. */
export function templateLiteral(text: string): string {
  return `\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
}

/** Text safe inside a JSDoc block. */
export function escapeDoc(text: string): string {
  return text.replace(/\*\//g, '*\\/').replace(/\r?\n/g, ' ');
}

/** `queryOrders` from `QueryOrders`. */
export function camelCase(identifier: string): string {
  return `${identifier.charAt(0).toLowerCase()}${identifier.slice(1)}`;
}
