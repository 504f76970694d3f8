import type { JsonObject } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';
import type { ServedTool } from '../tools/served-tool.js';

/**
 * Second stage: the arguments against the tool's input schema (compiled once at start), with
 * defaults applied in place. Wrong, missing and extra arguments are refused with what to fix.
 */
export function validateArguments(tool: ServedTool, rawArgs: unknown): JsonObject {
  if (rawArgs !== undefined && (rawArgs === null || typeof rawArgs !== 'object' || Array.isArray(rawArgs))) {
    throw new ToolFailure('PARAMS.INVALID', 'arguments must be an object');
  }
  const args = (rawArgs ?? {}) as JsonObject;
  const problems = tool.validate(args);
  if (problems.length > 0) throw new ToolFailure('PARAMS.INVALID', problems.join('; '));
  return args;
}
