import type { DocPath } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../diagnostics/reporter.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { ExampleSection, PipelineFile } from '../validate/pipeline-file.js';
import { explainArgError } from '../../runtime/contract/args.js';
import type { JsonObject } from '../../runtime/contract/spec.js';
import type { CompositeIR, ExampleExpectation, ExampleIR, JsonSchema, ToolIR } from './ir.js';
import { validatorFor } from './schema-validators.js';

/**
 * `examples:` of tools and pipelines: each one's arguments must pass the tool's params (as a call
 * would, defaults applied), and the columns it expects must be columns of the tool's typed result.
 * Each tool that has examples gets them, and its description ends with a short "Examples:" block,
 * so the model reads how to call it. Examples run against real sources (`mcpc test`), so a
 * pipeline that writes cannot have any (insert tools do not accept the key at all).
 */
export function analyzeExamples(
  reporter: Reporter,
  file: PipelineFile,
  tools: ToolIR[],
  pipelines: CompositeIR[],
): { tools: ToolIR[]; pipelines: CompositeIR[] } {
  const withExamples = <T extends ToolIR | CompositeIR>(item: T, section: 'tools' | 'pipelines', sections: readonly ExampleSection[] | undefined): T => {
    if (sections === undefined) return item;
    const at: DocPath = [section, item.name, 'examples'];
    if ('steps' in item && item.writes.length > 0) {
      reporter.error(
        'MCPC_EXAMPLE_WRITES',
        at,
        `pipeline '${item.name}' writes (${item.writes.join(', ')}), and examples run against real sources: running its examples would write`,
        { part: 'key', hint: 'give examples to the read tools it calls instead' },
      );
      return item;
    }
    const examples = sections.flatMap((example, index) => checkExample(reporter, item, example, [...at, index]));
    if (examples.length !== sections.length) return item;
    return { ...item, examples, description: describeWithExamples(item.name, item.description, examples) };
  };
  return {
    tools: tools.map((tool) => withExamples(tool, 'tools', file.tools?.[tool.name]?.examples)),
    pipelines: pipelines.map((pipeline) => withExamples(pipeline, 'pipelines', file.pipelines?.[pipeline.name]?.examples)),
  };
}

/** One example, or nothing when it is wrong (and then a diagnostic says where). */
function checkExample(reporter: Reporter, tool: ToolIR | CompositeIR, example: ExampleSection, at: DocPath): ExampleIR[] {
  let ok = true;
  const args = example.args ?? {};
  const validate = validatorFor(tool.inputSchema);
  // The validator applies defaults: give it a copy, so the example keeps the arguments as written.
  if (!validate(structuredClone(args))) {
    const why = (validate.errors ?? []).map((error) => explainArgError(error, tool.inputSchema)).join('; ');
    reporter.error(
      'MCPC_EXAMPLE_ARGS_INVALID',
      example.args === undefined ? at : [...at, 'args'],
      `example ${Number(at.at(-1)) + 1} of '${tool.name}': ${why}`,
    );
    ok = false;
  }
  const expect = example.expect;
  if (expect !== undefined) ok = checkExpectation(reporter, tool, expect, [...at, 'expect']) && ok;
  if (!ok) return [];
  return [{ ...(example.description === undefined ? {} : { description: example.description }), args, ...(expect === undefined ? {} : { expect }), at }];
}

function checkExpectation(reporter: Reporter, tool: ToolIR | CompositeIR, expect: ExampleExpectation, at: DocPath): boolean {
  let ok = true;
  const { rows } = expect;
  if (typeof rows === 'object' && rows.min !== undefined && rows.max !== undefined && rows.min > rows.max) {
    reporter.error('MCPC_EXAMPLE_ROWS_RANGE', [...at, 'rows'], `rows: min ${rows.min} is more than max ${rows.max}, so no result can pass`);
    ok = false;
  }
  const columns = resultColumns(tool.outputSchema);
  if (columns === null) {
    reporter.error('MCPC_EXAMPLE_NOT_ROWS', at, `'${tool.name}' does not return rows, so an example cannot expect rows or columns of it`, {
      hint: "a pipeline returns rows when its output is a step whose result has rows (output: '${steps.<id>}')",
    });
    return false;
  }
  if (columns === undefined) return ok;
  const named: Array<[string, DocPath]> = [
    ...(expect.columns ?? []).map((name, index): [string, DocPath] => [name, [...at, 'columns', index]]),
    ...Object.keys(expect.first ?? {}).map((name): [string, DocPath] => [name, [...at, 'first', name]]),
    ...(expect.contains ?? []).flatMap((row, index) => Object.keys(row).map((name): [string, DocPath] => [name, [...at, 'contains', index, name]])),
  ];
  for (const [name, path] of named) {
    if (columns.includes(name)) continue;
    const keyed = path.at(-2) === 'first' || path.at(-3) === 'contains';
    reporter.error(
      'MCPC_EXAMPLE_UNKNOWN_COLUMN',
      path,
      `'${tool.name}' returns no column '${name}'${didYouMean(name, columns)}; its columns are ${columns.join(', ')}`,
      keyed ? { part: 'key' } : {},
    );
    ok = false;
  }
  return ok;
}

/**
 * The columns of a tool's rows from its output schema: a list when they are typed, `undefined`
 * when rows are untyped (SQL written by the agent, a source without a schema), `null` when the
 * result has no rows at all.
 */
function resultColumns(outputSchema: JsonSchema): string[] | undefined | null {
  const rows = (outputSchema.properties as Record<string, JsonObject> | undefined)?.rows;
  if (rows === undefined) return null;
  const properties = (rows.items as JsonObject | undefined)?.properties as JsonObject | undefined;
  return properties === undefined ? undefined : Object.keys(properties);
}

/** The description the model reads: the author's, then one line per example (arguments as written, and what comes back). */
function describeWithExamples(name: string, description: string, examples: readonly ExampleIR[]): string {
  const lines = examples.map((example) => {
    const call = `${name}(${JSON.stringify(example.args)})`;
    const shows = example.expect === undefined ? [] : expectationText(example.expect);
    return `- ${example.description === undefined ? '' : `${example.description}: `}${call}${shows.length === 0 ? '' : ` → ${shows.join('; ')}`}`;
  });
  return `${description}\n\nExamples:\n${lines.join('\n')}`;
}

function expectationText(expect: ExampleExpectation): string[] {
  const parts: string[] = [];
  const { rows } = expect;
  if (typeof rows === 'number') parts.push(`${rows} ${rows === 1 ? 'row' : 'rows'}`);
  else if (rows?.min !== undefined && rows.max !== undefined) parts.push(`${rows.min} to ${rows.max} rows`);
  else if (rows?.min !== undefined) parts.push(`at least ${rows.min} ${rows.min === 1 ? 'row' : 'rows'}`);
  else if (rows?.max !== undefined) parts.push(`at most ${rows.max} ${rows.max === 1 ? 'row' : 'rows'}`);
  if (expect.columns) parts.push(`columns ${expect.columns.join(', ')}`);
  if (expect.first) parts.push(`first row ${JSON.stringify(expect.first)}`);
  for (const row of expect.contains ?? []) parts.push(`a row ${JSON.stringify(row)}`);
  return parts;
}
