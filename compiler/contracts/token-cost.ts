import { mayAccess, type Principal } from '../../runtime/contract/access.js';
import type { AccessRule } from '../../runtime/contract/spec.js';
import type { ServerIR } from '../analyze/ir.js';

/** Characters per token of the estimate: a common rule of thumb for JSON and English text with the tokenizers models use. */
const CHARS_PER_TOKEN = 4;

/** How the estimate is made, as the report states it. */
export const TOKEN_ESTIMATOR = 'ceil(characters of the tools/list result JSON / 4)';

/** What one kind of caller's `tools/list` costs a model that reads it. */
export interface ToolListCost {
  /** `anonymous`, `authenticated` (a verified caller without scopes), `scopes a,b`, or `operator`. */
  caller: string;
  tools: number;
  characters: number;
  /** An estimate: see TOKEN_ESTIMATOR. */
  tokens: number;
}

/** A tool as `tools/list` shows it, built as the runtime's `prepareTool` does from the same parts. */
interface Listed extends AccessRule {
  listing: Record<string, unknown>;
}

/**
 * The tokens each distinct view of the catalog costs: anonymous callers (when they are served),
 * a verified caller without scopes, a caller with each set of scopes some tool requires, and the
 * operator, who sees everything. The cost is of the whole list as one result, whatever its
 * pages: a model reads every page.
 */
export function toolListCosts(ir: ServerIR): ToolListCost[] {
  const listed: Listed[] = [
    ...ir.tools.map((tool) => listedTool(tool, tool.kind === 'insert')),
    ...ir.pipelines.map((pipeline) => listedTool(pipeline, pipeline.writes.length > 0)),
  ];
  const callers: Array<[string, Principal]> = [];
  if (!ir.auth || ir.auth.anonymous) callers.push(['anonymous', { id: 'anonymous', kind: 'anonymous', scopes: [] }]);
  if (ir.auth) {
    callers.push(['authenticated', { id: 'user', kind: 'user', scopes: [] }]);
    const scopeSets = new Map(listed.filter((t) => (t.scopes ?? []).length > 0).map((t) => [[...t.scopes!].sort().join(','), [...t.scopes!]]));
    for (const [label, scopes] of [...scopeSets].sort(([a], [b]) => a.localeCompare(b)))
      callers.push([`scopes ${label}`, { id: 'user', kind: 'user', scopes }]);
  }
  callers.push(['operator', { id: 'operator', kind: 'operator', scopes: [] }]);
  return callers.map(([caller, principal]) => {
    const tools = listed.filter((tool) => mayAccess(principal, tool)).map((tool) => tool.listing);
    const characters = JSON.stringify({ tools }).length;
    return { caller, tools: tools.length, characters, tokens: Math.ceil(characters / CHARS_PER_TOKEN) };
  });
}

function listedTool(
  tool: { name: string; title?: string; description: string; inputSchema: unknown; outputSchema: unknown } & AccessRule,
  writes: boolean,
): Listed {
  return {
    access: tool.access,
    ...(tool.scopes === undefined ? {} : { scopes: tool.scopes }),
    listing: {
      name: tool.name,
      ...(tool.title === undefined ? {} : { title: tool.title }),
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      // The kinds' annotations (runtime/tools/*): reads are read-only; writes append, idempotently by key.
      annotations: { readOnlyHint: !writes, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
  };
}

/** The report `mcpc check` prints: one line per caller view. */
export function renderToolListCosts(file: string, costs: readonly ToolListCost[], budget: number | undefined): string {
  const width = Math.max(...costs.map((c) => c.caller.length));
  const lines = costs.map(
    (c) => `  ${c.caller.padEnd(width)}  ${String(c.tools).padStart(4)} ${c.tools === 1 ? 'tool ' : 'tools'}  ~${c.tokens.toLocaleString('en-US')} tokens`,
  );
  const limit = budget === undefined ? '' : `, budget ${budget.toLocaleString('en-US')}`;
  return `${file}: what tools/list costs a model, per caller (estimated: ${TOKEN_ESTIMATOR}${limit})\n${lines.join('\n')}\n`;
}
