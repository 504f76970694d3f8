import { describeProblems } from '../contract/args.js';
import type { JsonObject } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';
import { RefusedArguments } from '../protocol/inbound-guard.js';
import type { ServedTool } from '../tools/served-tool.js';

/**
 * The arguments against the tool's input schema (compiled once at start), with defaults applied
 * in place. Wrong, missing and extra arguments are refused with what to fix, as are arguments
 * the transport's inbound guard already refused (too deep, a `__proto__` key).
 */
export function validateArguments(tool: ServedTool, rawArgs: unknown): JsonObject {
  if (rawArgs instanceof RefusedArguments) throw new ToolFailure('PARAMS.INVALID', rawArgs.reason);
  if (rawArgs !== undefined && (rawArgs === null || typeof rawArgs !== 'object' || Array.isArray(rawArgs))) {
    throw new ToolFailure('PARAMS.INVALID', 'arguments must be an object');
  }
  const args = (rawArgs ?? {}) as JsonObject;
  const problems = tool.validate(args);
  if (problems) throw new ToolFailure('PARAMS.INVALID', describeProblems(problems));
  return args;
}
