import type { DiagnosticCode } from './codes.js';

/** A path into the pipeline document, as keys and indexes from its root. */
export type DocPath = ReadonlyArray<string | number>;

/** A place in a pipeline file, 1-based like editors show it. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A second location that explains the first (each edge of a cycle, the earlier duplicate). */
export interface RelatedLocation extends SourceLocation {
  message: string;
}

/**
 * A user mistake found by the compiler. Phases collect these as values and the CLI renders them
 * once; a phase throws only when an invariant of mcpc itself is broken.
 */
export interface Diagnostic extends SourceLocation {
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  message: string;
  /** Where in the document, as the YAML path (`tools.query_orders.sql`). */
  path: string;
  hint?: string;
  related?: RelatedLocation[];
}

/** Renders a document path the way users write it: `tools.query_orders.params[0]`. */
export function formatDocPath(path: DocPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(document)' : out;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, then code, so output never depends on discovery order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code) || a.message.localeCompare(b.message),
  );
}
