import type { ArgsValidator } from '../contract/args.js';
import type { JsonObject, ToolSpec } from '../contract/spec.js';
import type { KindAnnotations, ToolKind } from './kind.js';
import { kindOf } from './kinds.js';

/** A tool as `tools/list` shows it. */
export interface McpTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: JsonObject;
  outputSchema: JsonObject;
  annotations: KindAnnotations;
}

/** A tool ready to serve: its spec, the kind that runs it, its argument check and its list entry, built once at start. */
export interface ServedTool {
  readonly spec: ToolSpec;
  readonly kind: ToolKind<ToolSpec>;
  readonly validate: ArgsValidator;
  readonly outputSchema: JsonObject;
  readonly listing: McpTool;
}

export function prepareTool(spec: ToolSpec, validate: ArgsValidator): ServedTool {
  const kind = kindOf(spec);
  const outputSchema = kind.outputSchema(spec);
  const listing: McpTool = {
    name: spec.name,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    description: spec.description,
    inputSchema: spec.inputSchema,
    outputSchema,
    annotations: kind.annotations(spec),
  };
  return { spec, kind, validate, outputSchema, listing };
}
