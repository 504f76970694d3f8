import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic, DocPath, SourceLocation } from '../diagnostics/diagnostic.js';
import { formatDocPath } from '../diagnostics/diagnostic.js';

/** A parsed pipeline file: its text, its YAML tree with positions, and its plain value. */
export interface SourceDocument {
  /** The path shown in diagnostics (as the user gave it, with forward slashes). */
  file: string;
  text: string;
  yaml: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
}

export interface ParseResult {
  document?: SourceDocument;
  diagnostics: Diagnostic[];
}

/** Parses pipeline YAML keeping positions; duplicate keys and syntax errors become diagnostics. */
export function parseSourceDocument(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const yaml = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): SourceLocation => positionAt({ file, lineCounter }, offset);

  for (const error of yaml.errors) {
    if (error.code === 'DUPLICATE_KEY') {
      diagnostics.push(duplicateKeyDiagnostic(text, yaml, at, error.pos[0]));
    } else {
      diagnostics.push({
        code: 'MCPC_YAML_SYNTAX',
        severity: 'error',
        message: `YAML syntax error: ${firstLine(error.message)}`,
        path: '(document)',
        ...at(error.pos[0]),
      });
    }
  }
  if (diagnostics.length > 0) return { diagnostics };

  let value: unknown;
  try {
    value = yaml.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // toJS refuses alias bombs and similar; that is bad input, reported at the top of the file.
    const message = error instanceof Error ? error.message : String(error);
    return { diagnostics: [{ code: 'MCPC_YAML_SYNTAX', severity: 'error', message: `YAML cannot be read: ${message}`, path: '(document)', ...at(0) }] };
  }
  return { document: { file, text, yaml, lineCounter, value }, diagnostics };
}

function duplicateKeyDiagnostic(text: string, yaml: Document.Parsed, at: (offset: number) => SourceLocation, offset: number): Diagnostic {
  const found = findDuplicateKey(yaml.contents, offset, []);
  const keyText = found?.key ?? text.slice(offset).split(/[:\n]/, 1)[0]?.trim() ?? '';
  const where = found ? formatDocPath(found.path) : '(document)';
  return {
    code: 'MCPC_YAML_DUPLICATE_KEY',
    severity: 'error',
    message: `key '${keyText}' appears twice in ${where}; YAML keeps only one, so remove or rename one of them`,
    path: found ? formatDocPath([...found.path, keyText]) : '(document)',
    ...at(offset),
    ...(found ? { related: [{ message: `first '${keyText}' is here`, ...at(found.firstOffset) }] } : {}),
  };
}

/** Finds the map holding the duplicate key that starts at `offset`, and where the first one is. */
function findDuplicateKey(
  node: unknown,
  offset: number,
  path: Array<string | number>,
): { key: string; path: Array<string | number>; firstOffset: number } | undefined {
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const start = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (key !== undefined && start !== undefined) {
        const first = seen.get(key);
        if (start === offset && first !== undefined) return { key, path, firstOffset: first };
        if (!seen.has(key)) seen.set(key, start);
      }
      const inner = findDuplicateKey(pair.value, offset, key === undefined ? path : [...path, key]);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const inner = findDuplicateKey(item, offset, [...path, index]);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The yaml library's first message line, without its own " at line L, column C:" suffix. */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/** Converts a character offset into a 1-based line and column. */
export function positionAt(doc: Pick<SourceDocument, 'file' | 'lineCounter'>, offset: number): SourceLocation {
  const { line, col } = doc.lineCounter.linePos(offset);
  return { file: doc.file, line, col };
}

/**
 * Finds the YAML node at `path` (or the deepest node that exists on the way, so a missing key is
 * reported at its parent). `part: 'key'` points at the key of the last mapping entry instead of
 * its value, which is where an unknown or duplicated key should be underlined.
 */
export function locateNode(doc: SourceDocument, path: DocPath, part: 'key' | 'value' = 'value'): Node | undefined {
  let node: unknown = doc.yaml.contents;
  let lastKey: Node | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc.yaml);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      lastKey = pair.key as Node;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      lastKey = undefined;
      node = node.items[segment];
    } else {
      break;
    }
  }
  if (part === 'key' && lastKey) return lastKey;
  return (node as Node | undefined) ?? undefined;
}

/** The location of the node at `path`, falling back to the start of the file. */
export function locate(doc: SourceDocument, path: DocPath, part: 'key' | 'value' = 'value'): SourceLocation {
  const node = locateNode(doc, path, part);
  return positionAt(doc, node?.range?.[0] ?? 0);
}

/**
 * Where a name is written inside the scalar at `path`, as a whole word (so `orders` is not found
 * inside `orders_anon`); undefined when it is not written there as such.
 */
export function findWordInScalar(doc: SourceDocument, path: DocPath, word: string): SourceLocation | undefined {
  const range = locateNode(doc, path)?.range;
  if (!range) return undefined;
  const raw = doc.text.slice(range[0], range[1]);
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`).exec(raw);
  return match ? positionAt(doc, range[0] + match.index) : undefined;
}

/**
 * The location of `needle` inside the scalar at `path` (its `occurrence`-th appearance in the raw
 * source text), so a placeholder inside a multi-line SQL block is reported at its own line.
 * Falls back to the scalar itself when the raw text differs from the value (escapes, folding).
 */
export function locateInScalar(doc: SourceDocument, path: DocPath, needle: string, occurrence = 0): SourceLocation {
  const node = locateNode(doc, path);
  const range = node?.range;
  if (!range) return locate(doc, path);
  const raw = doc.text.slice(range[0], range[1]);
  let index = -1;
  for (let seen = 0; seen <= occurrence; seen++) {
    index = raw.indexOf(needle, index + 1);
    if (index < 0) return positionAt(doc, range[0]);
  }
  return positionAt(doc, range[0] + index);
}
