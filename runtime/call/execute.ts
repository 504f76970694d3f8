import type { JsonObject } from '../contract/spec.js';
import type { Runtime } from '../runtime.js';
import type { ToolOutcome } from '../tools/kind.js';
import type { ServedTool } from '../tools/served-tool.js';
import type { CallContext } from './context.js';

/** Third stage: the tool's kind runs it on its source. */
export function execute(runtime: Runtime, context: CallContext, tool: ServedTool, args: JsonObject): Promise<ToolOutcome> {
  const source = runtime.sources.get(tool.spec.source);
  if (!source) throw new Error(`tool '${tool.spec.name}' names source '${tool.spec.source}', which is not open`);
  return tool.kind.run(tool.spec, args, { context, source });
}
