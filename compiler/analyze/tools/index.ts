import type { ToolKindName } from '../../../runtime/contract/spec.js';
import { mcpcVersion } from '../../paths.js';
import type { ToolSection } from '../../validate/pipeline-file.js';
import type { Reporter } from '../../diagnostics/reporter.js';
import type { ColumnIR, QueryToolIR, StreamToolIR, ToolIR } from '../ir.js';
import { analyzeInsertTool } from './insert.js';
import { analyzeQueryTool, typedQueryTool } from './query.js';
import { analyzeSqlTool } from './sql.js';
import { analyzeStreamTool, typedStreamTool } from './stream.js';
import type { ToolScope } from './scope.js';

type Analyzer<Section> = (scope: ToolScope, name: string, section: Section) => Promise<ToolIR | undefined>;

/**
 * The analyzer of each tool kind this version builds, by kind: the one dispatch point. A kind
 * the language has but this table lacks is refused with MCPC_UNSUPPORTED, never ignored.
 * (Pipelines are tools too, but declared under `pipelines:` and analyzed with the composites.)
 */
const ANALYZERS: { [K in Exclude<ToolKindName, 'pipeline'>]: Analyzer<Extract<ToolSection, { kind: K }>> } = {
  query: analyzeQueryTool,
  insert: analyzeInsertTool,
  stream: analyzeStreamTool,
  sql: analyzeSqlTool,
};

/** Analyzes every tool, in declaration order. */
export async function analyzeTools(scope: ToolScope): Promise<ToolIR[]> {
  const sections = Object.entries(scope.file.tools ?? {});
  // Every declared SQL is formatted by the engine in a few batched queries first (B6: build time).
  await scope.sql.formatAhead(sections.flatMap(([, section]) => ('sql' in section ? [section.sql] : [])));
  const tools: ToolIR[] = [];
  for (const [name, section] of sections) {
    const analyze = (ANALYZERS as Partial<Record<string, Analyzer<ToolSection>>>)[section.kind];
    if (!analyze) {
      scope.reporter.error(
        'MCPC_UNSUPPORTED',
        ['tools', name, 'kind'],
        `tool kind '${section.kind}' (tool '${name}') is not supported yet by mcpc ${mcpcVersion}; this version builds ${Object.keys(ANALYZERS)
          .map((k) => `'${k}'`)
          .join(', ')} tools`,
      );
      continue;
    }
    const tool = await analyze(scope, name, section);
    if (tool) tools.push(tool);
  }
  return tools;
}

/** A tool that runs declared SQL, once the build-time catalog resolved its result columns; undefined after an error. */
export function withColumns(reporter: Reporter, tool: QueryToolIR | StreamToolIR, columns: ColumnIR[]): ToolIR | undefined {
  return tool.kind === 'query' ? typedQueryTool(tool, columns) : typedStreamTool(reporter, tool, columns);
}
