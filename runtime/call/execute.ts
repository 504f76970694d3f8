import { auditedTool } from '../audit/trail.js';
import type { JsonObject } from '../contract/spec.js';
import type { Runtime } from '../runtime.js';
import { traceSource } from '../telemetry/hooks.js';
import type { ToolEnvironment, ToolOutcome } from '../tools/kind.js';
import type { ServedTool } from '../tools/served-tool.js';
import type { CallContext } from './context.js';
import { queryRoles, withRoles } from './roles.js';
import { validateArguments } from './validate.js';

/** Third stage: the tool's kind runs it, with what it may use of the server. */
export async function execute(runtime: Runtime, context: CallContext, tool: ServedTool, args: JsonObject): Promise<ToolOutcome> {
  runtime.drift.assertWhole(tool.spec.name);
  return tool.kind.run(tool.spec, args, environment(runtime, context, tool));
}

function environment(runtime: Runtime, context: CallContext, tool: ServedTool): ToolEnvironment {
  return {
    context,
    sourceOf(name) {
      const source = runtime.sources.get(name);
      if (!source) throw new Error(`mcpc internal error: source '${name}' is not open`);
      // A traced call's queries run in spans of their own, and carry their trace to ClickHouse;
      // on a ClickHouse server they run under the roles this caller and tool get (never from arguments).
      return traceSource(withRoles(source, queryRoles(runtime, context.principal, tool.spec, source)), context);
    },
    idempotency: runtime.idempotency,
    cursors: runtime.cursors,
    streams: runtime.streams,
    streamTimeoutS: runtime.limits.streamTimeoutS,
    async callStep(name, rawArgs, stepContext) {
      const tool = runtime.tools.get(name);
      if (!tool) throw new Error(`mcpc internal error: a step calls '${name}', which is not served`);
      const run = () => execute(runtime, stepContext, tool, validateArguments(tool, rawArgs));
      return runtime.audit ? runtime.audit.run(stepContext, auditedTool(tool), rawArgs, run) : run();
    },
  };
}
