import type { Diagnostic } from './diagnostic.js';

export type DiagnosticFormat = 'text' | 'json' | 'github';

/** Source texts by file, for code frames. */
export type SourceTexts = ReadonlyMap<string, string>;

export function renderDiagnostics(diagnostics: readonly Diagnostic[], format: DiagnosticFormat, sources: SourceTexts): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ diagnostics, summary: summarize(diagnostics) }, null, 2)}\n`;
    case 'github':
      return diagnostics.map(renderGithub).join('');
    case 'text':
      return diagnostics.map((d) => renderText(d, sources)).join('');
  }
}

export function summarize(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { errors, warnings: diagnostics.length - errors };
}

/**
 * `file:line:col: error CODE: message`, then the line with a caret under the column, then any
 * hint and related locations, the way compilers print.
 */
function renderText(d: Diagnostic, sources: SourceTexts): string {
  const out = [`${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`];
  const frame = codeFrame(sources.get(d.file), d.line, d.col);
  if (frame) out.push(frame);
  if (d.hint) out.push(`  hint: ${d.hint}`);
  for (const related of d.related ?? []) out.push(`  note: ${related.file}:${related.line}:${related.col}: ${related.message}`);
  return `${out.join('\n')}\n\n`;
}

function codeFrame(text: string | undefined, line: number, col: number): string | undefined {
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/);
  if (line < 1 || line > lines.length) return undefined;
  const first = Math.max(1, line - 1);
  const width = String(line).length;
  const out: string[] = [];
  for (let n = first; n <= line; n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
  }
  const lineText = lines[line - 1] ?? '';
  // Keep tabs in the caret line so the caret lands under the right character.
  const padding = lineText.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ');
  out.push(`  ${' '.repeat(width)} | ${padding}^`);
  return out.join('\n');
}

/** GitHub Actions workflow commands, which CI shows as annotations on the pipeline file. */
function renderGithub(d: Diagnostic): string {
  const level = d.severity === 'error' ? 'error' : 'warning';
  const property = (value: string) => value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C');
  const data = (value: string) => value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const message = d.hint ? `${d.message}\nhint: ${d.hint}` : d.message;
  return `::${level} file=${property(d.file)},line=${d.line},col=${d.col},title=${property(d.code)}::${data(message)}\n`;
}
