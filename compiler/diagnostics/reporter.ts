import type { DiagnosticCode } from './codes.js';
import { formatDocPath, type Diagnostic, type DocPath, type RelatedLocation, type SourceLocation } from './diagnostic.js';
import { locate, type SourceDocument } from '../parse/source-document.js';

export interface ReportOptions {
  /** Underline the key of the entry at `path` rather than its value. */
  part?: 'key' | 'value';
  /** An exact location (inside a scalar, say) instead of the node at `path`. */
  at?: SourceLocation;
  hint?: string;
  related?: RelatedLocation[];
}

/** Collects diagnostics for one document, placing each at the YAML node its path names. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly doc: SourceDocument) {}

  error(code: DiagnosticCode, path: DocPath, message: string, options: ReportOptions = {}): void {
    this.report('error', code, path, message, options);
  }

  warning(code: DiagnosticCode, path: DocPath, message: string, options: ReportOptions = {}): void {
    this.report('warning', code, path, message, options);
  }

  /** The location of the node at `path`, for related locations. */
  where(path: DocPath, part: 'key' | 'value' = 'value'): SourceLocation {
    return locate(this.doc, path, part);
  }

  private report(severity: Diagnostic['severity'], code: DiagnosticCode, path: DocPath, message: string, options: ReportOptions): void {
    const location = options.at ?? locate(this.doc, path, options.part ?? 'value');
    this.diagnostics.push({
      code,
      severity,
      message,
      path: formatDocPath(path),
      ...location,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.related === undefined ? {} : { related: options.related }),
    });
  }
}
