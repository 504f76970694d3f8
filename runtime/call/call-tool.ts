import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Runtime } from '../runtime.js';
import { authorizeTool } from './authorize.js';
import type { CallContext } from './context.js';
import { execute } from './execute.js';
import { shapeResult } from './shape.js';
import { validateArguments } from './validate.js';

/**
 * Answers one `tools/call`, through one ordered path: authorize → admit (a slot among the
 * server's concurrent calls) → validate → execute, with the outcome (or failure) shaped into the
 * MCP result. Later stages (budgets, audit, tracing) join
 * this path here, each from its own module.
 */
export async function callTool(runtime: Runtime, context: CallContext, name: string, rawArgs: unknown): Promise<CallToolResult> {
  const tool = authorizeTool(runtime, context, name);
  return shapeResult(context, tool, async () => {
    const release = await runtime.admission.enter(context.signal);
    try {
      const args = validateArguments(tool, rawArgs);
      return await execute(runtime, context, tool, args);
    } finally {
      release();
    }
  });
}
