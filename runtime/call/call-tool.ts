import type { CallToolResult } from '@modelcontextprotocol/server';
import { auditedTool } from '../audit/trail.js';
import type { Runtime } from '../runtime.js';
import type { ServedTool } from '../tools/served-tool.js';
import type { ToolOutcome } from '../tools/kind.js';
import { authorizeTool } from './authorize.js';
import { type BudgetTaken, withBudgetMeta } from './budgets.js';
import type { CallContext } from './context.js';
import { execute } from './execute.js';
import { assertCallerRoles } from './roles.js';
import { shapeResult } from './shape.js';
import { validateArguments } from './validate.js';

/**
 * Answers one `tools/call`, through one ordered path: authorize → budget (a token of the caller's
 * bucket, before the call waits for anything) → admit (a slot among the server's concurrent
 * calls) → validate → execute (idempotency wraps a write there), with the outcome (or failure)
 * recorded by the audit when the pipeline has one, and shaped into the MCP result, whose `_meta`
 * says what is left of the budget; the call's span wraps it all when the server exports telemetry.
 */
export async function callTool(runtime: Runtime, context: CallContext, name: string, rawArgs: unknown): Promise<CallToolResult> {
  let tool: ServedTool;
  try {
    tool = authorizeTool(runtime, context, name);
  } catch (error) {
    runtime.audit?.refused(context, name, rawArgs, 'TOOL.UNKNOWN');
    throw error;
  }
  // Tracing: the call's span wraps the rest of its path (runtime/telemetry/), when the server exports telemetry.
  if (runtime.telemetry) return runtime.telemetry.traceCall(context, tool.spec.name, (traced) => answer(runtime, traced, tool, rawArgs));
  return answer(runtime, context, tool, rawArgs);
}

async function answer(runtime: Runtime, context: CallContext, tool: ServedTool, rawArgs: unknown): Promise<CallToolResult> {
  const { audit } = runtime;
  let budget: BudgetTaken | undefined;
  const run = async (): Promise<ToolOutcome> => {
    // A caller whose token names no allowed ClickHouse role is refused before it spends anything.
    assertCallerRoles(runtime, context.principal, tool.spec);
    budget = await runtime.budgets.take(tool.spec, context);
    if (budget?.refusal) throw budget.refusal;
    const release = await runtime.admission.enter(context.signal);
    try {
      const args = validateArguments(tool, rawArgs);
      return await execute(runtime, context, tool, args);
    } finally {
      release();
    }
  };
  const result = await shapeResult(context, tool, audit ? () => audit.run(context, auditedTool(tool), rawArgs, run) : run);
  return budget === undefined ? result : withBudgetMeta(result, budget);
}
