import { join } from 'node:path';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../diagnostics/render.js';
import { SqlChecker } from '../analyze/sql-checker.js';
import type { ExampleIR } from '../analyze/ir.js';
import { checkAnswer, type CallAnswer } from '../contracts/example-check.js';
import { withServerJs, type Io } from './commands.js';
import { compileFile, displayPath } from './compile-file.js';
import { writeBuild } from './output-files.js';
import { runtimeResolvesFrom } from './runtime-reach.js';
import { describeError, StdioSession } from './stdio-session.js';

/** One example's outcome. */
interface Outcome {
  tool: string;
  /** 1-based, in the order the tool lists them. */
  example: number;
  description?: string;
  args: Record<string, unknown>;
  passed: boolean;
  problems: string[];
  row_count?: number;
}

/**
 * `mcpc test FILE`: builds the server (into `<out>/<server.name>/`, as `mcpc build` does), starts
 * it over stdio as its operator (who sees every tool), and calls each example of each tool and
 * pipeline in turn. The server opens its sources as it does when serving: the embedded engine,
 * seeded when empty, or a ClickHouse server when the environment gives the source's URL. Exit 1
 * when an example fails, the pipeline has errors, or the server cannot start.
 */
export async function testCommand(file: string, outRoot: string, format: 'text' | 'json', io: Io): Promise<number> {
  const sql = await SqlChecker.open();
  let result: Awaited<ReturnType<typeof compileFile>>;
  try {
    result = await compileFile(file, sql, { outRoot });
  } finally {
    sql.close();
  }
  const rendered = renderDiagnostics(result.diagnostics, 'text', result.texts);
  if (rendered !== '') io.stderr(rendered);
  if (hasErrors(result.diagnostics) || !result.output || !result.ir) return 1;
  const { ir } = result;
  const examples = [...ir.tools, ...ir.pipelines].flatMap((tool) => (tool.examples ?? []).map((example, index) => ({ tool: tool.name, index, example })));
  if (examples.length === 0) {
    io.stderr(`${result.file}: no tool or pipeline has examples; nothing to test\n`);
    if (format === 'json') io.stdout(`${JSON.stringify({ file: result.file, outcomes: [], passed: 0, failed: 0 }, null, 2)}\n`);
    return 0;
  }
  const dir = join(outRoot, ir.name);
  writeBuild(dir, withServerJs(result.file, result.output));
  if (!runtimeResolvesFrom(dir)) {
    io.stderr(`${displayPath(dir)}/server.js cannot load mcpc/runtime from there; build into a project that depends on mcpc (--out)\n`);
    return 1;
  }
  const session = new StdioSession(join(dir, 'server.js'));
  const outcomes: Outcome[] = [];
  try {
    try {
      await session.open();
    } catch (error) {
      io.stderr(`${result.file}: the server did not start:\n${(error as Error).message}\n`);
      return 1;
    }
    for (const { tool, index, example } of examples) outcomes.push(await runExample(session, tool, index, example));
  } finally {
    await session.close();
  }
  const failed = outcomes.filter((o) => !o.passed).length;
  if (format === 'json') io.stdout(`${JSON.stringify({ file: result.file, outcomes, passed: outcomes.length - failed, failed }, null, 2)}\n`);
  else io.stdout(renderOutcomes(result.file, outcomes, failed));
  return failed > 0 ? 1 : 0;
}

async function runExample(session: StdioSession, tool: string, index: number, example: ExampleIR): Promise<Outcome> {
  const message = await session.request('tools/call', { name: tool, arguments: example.args });
  const base = { tool, example: index + 1, ...(example.description === undefined ? {} : { description: example.description }), args: example.args };
  if (message.error) return { ...base, passed: false, problems: [`the server refused the call: ${describeError(message.error)}`] };
  const result = message.result as { isError?: boolean; structuredContent?: Record<string, unknown>; content?: Array<{ type: string; text?: string }> };
  const answer: CallAnswer = {
    isError: result.isError === true,
    ...(result.structuredContent === undefined ? {} : { structured: result.structuredContent }),
    text: (result.content ?? []).map((c) => c.text ?? '').join('\n'),
  };
  const problems = checkAnswer(answer, example.expect);
  const rows = answer.structured?.rows;
  return { ...base, passed: problems.length === 0, problems, ...(Array.isArray(rows) ? { row_count: rows.length } : {}) };
}

function renderOutcomes(file: string, outcomes: readonly Outcome[], failed: number): string {
  const lines = outcomes.map((o) => {
    const name = `${o.tool} #${o.example}${o.description === undefined ? '' : ` (${o.description})`}`;
    if (o.passed) return `  ok    ${name}${o.row_count === undefined ? '' : `: ${o.row_count} ${o.row_count === 1 ? 'row' : 'rows'}`}`;
    return [`  FAIL  ${name}`, ...o.problems.map((p) => `        ${p}`)].join('\n');
  });
  const summary = `${outcomes.length - failed} passed, ${failed} failed`;
  return `${file}: ${outcomes.length} ${outcomes.length === 1 ? 'example' : 'examples'}\n${lines.join('\n')}\n${summary}\n`;
}
