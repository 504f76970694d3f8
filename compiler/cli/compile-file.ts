import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic, SourceLocation } from '../diagnostics/diagnostic.js';
import { hasErrors, sortDiagnostics } from '../diagnostics/diagnostic.js';
import { analyzePipeline } from '../analyze/analyze.js';
import type { ReadFile } from '../analyze/sources.js';
import type { ServerIR } from '../analyze/ir.js';
import type { SqlChecker } from '../analyze/sql-checker.js';
import { emitServer, type BuildOutput } from '../emit/emit.js';
import { checkGraphs } from '../graph/graph.js';
import { parseSourceDocument } from '../parse/source-document.js';
import { mcpcVersion } from '../paths.js';
import { validateDocument } from '../validate/validate.js';

export interface AnalyzedFile {
  /** The path shown in diagnostics. */
  file: string;
  text?: string;
  /** Every file read while compiling (the pipeline, its schema and seed files), by the path shown, for code frames. */
  texts: ReadonlyMap<string, string>;
  diagnostics: Diagnostic[];
  /** The IR after the graph phase: each pipeline's steps in execution order. */
  ir?: ServerIR;
  /** The IR as analyzed, before the graph phase: each pipeline's steps in declaration order. */
  analyzed?: ServerIR;
  /** Where `server.name` is written, for problems that span files. */
  serverNameAt?: SourceLocation;
  /** Where `server.version` is written, for `check --against`. */
  serverVersionAt?: SourceLocation;
  /** Where `server.tool_budget_tokens` is written (or the nearest key that is), for the token report's warning. */
  toolBudgetAt?: SourceLocation;
}

export interface CompiledFile extends AnalyzedFile {
  /** Present when there were no errors. */
  output?: BuildOutput;
}

/** What generated files name as their generator. */
export const GENERATOR = `mcpc ${mcpcVersion}`;

export interface CompileOptions {
  /** Where builds go (`--out`): the server's directory is `<outRoot>/<server.name>`. */
  outRoot: string;
}

/**
 * Runs every phase on one pipeline file: parse → validate → analyze → graph → emit. This and
 * `analyzeFile` are the only compiler code that reads files; each phase gets values and returns diagnostics.
 */
export async function compileFile(path: string, sql: SqlChecker, options: CompileOptions): Promise<CompiledFile> {
  const result = await analyzeFile(path, sql);
  if (!result.ir || hasErrors(result.diagnostics)) return result;
  const { ir } = result;
  // The server finds the pipeline's directory from its own, so neither depends on the working directory.
  const projectDir =
    relative(join(options.outRoot, ir.name), dirname(resolve(path)))
      .split(sep)
      .join('/') || '.';
  return { ...result, output: emitServer(ir, { generator: GENERATOR, projectDir }) };
}

/**
 * The compiler's front end on one pipeline file: parse → validate → analyze → graph, nothing
 * emitted. `overrides` stand in for files the pipeline names (by the path as written), as `mcpc
 * drift` puts a live source's DDL in place of its schema.
 */
export async function analyzeFile(path: string, sql: SqlChecker, overrides?: ReadonlyMap<string, ReadFile>): Promise<AnalyzedFile> {
  const file = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    return {
      file,
      texts: new Map(),
      diagnostics: [
        { code: 'MCPC_FILE_NOT_FOUND', severity: 'error', message: `pipeline file '${file}' ${reason}`, path: '(document)', file, line: 1, col: 1 },
      ],
    };
  }

  const parsed = parseSourceDocument(file, text);
  if (!parsed.document) return { file, text, texts: new Map([[file, text]]), diagnostics: sortDiagnostics(parsed.diagnostics) };

  const { file: pipeline, reporter } = validateDocument(parsed.document);
  if (!pipeline) return { file, text, texts: new Map([[file, text]]), diagnostics: sortDiagnostics(reporter.diagnostics) };

  const base = dirname(resolve(path));
  const texts = new Map<string, string>([[file, text]]);
  const readRelative = (relativePath: string): ReadFile | undefined => {
    const override = overrides?.get(relativePath);
    if (override) {
      texts.set(override.shownAs, override.text);
      return override;
    }
    try {
      const shownAs = displayPath(resolve(base, relativePath));
      const read = { text: readFileSync(resolve(base, relativePath), 'utf8'), shownAs };
      texts.set(shownAs, read.text);
      return read;
    } catch {
      return undefined;
    }
  };
  const analyzed = await analyzePipeline(reporter, pipeline, { readFile: readRelative, sql });
  const ir = checkGraphs(reporter, analyzed);
  return {
    file,
    text,
    texts,
    diagnostics: sortDiagnostics(reporter.diagnostics),
    ir,
    analyzed,
    serverNameAt: reporter.where(['server', 'name']),
    serverVersionAt: reporter.where(['server', 'version']),
    toolBudgetAt: reporter.where(['server', 'tool_budget_tokens']),
  };
}

/** The path as users see it: relative to the working directory when inside it, with `/`. */
export function displayPath(path: string): string {
  const absolute = resolve(path);
  const rel = relative(process.cwd(), absolute);
  const shown = rel !== '' && !rel.startsWith('..') ? rel : absolute;
  return shown.split(sep).join('/');
}
