import { randomUUID } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode, type CallToolResult } from '@modelcontextprotocol/server';
import { ToolFailure, type ToolErrorCode } from '../errors.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { runQueryTool } from '../tools/query-tool.js';
import type { CatalogView } from './catalog.js';

/** `_meta` keys mcpc adds to every tool result. */
const REQUEST_ID_KEY = 'mcpc/request_id';
const ERROR_CODE_KEY = 'mcpc/error_code';

/**
 * Answers one `tools/call`: look the tool up in the caller's view (a hidden tool is as unknown
 * as a missing one), validate the arguments, run it. Every call gets one request id: it is sent
 * to ClickHouse as the query_id (a server records it; embedded chDB assigns its own) and appears in
 * the result's `_meta` and in the log. Failures the caller can fix are results with `isError`,
 * never thrown: the server keeps serving.
 */
export async function callTool(runtime: Runtime, view: CatalogView, name: string, rawArgs: unknown, signal: AbortSignal): Promise<CallToolResult> {
  const tool = view.tools.get(name);
  if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
  const requestId = randomUUID();
  const started = performance.now();
  try {
    if (rawArgs !== undefined && (rawArgs === null || typeof rawArgs !== 'object' || Array.isArray(rawArgs))) {
      throw new ToolFailure('PARAMS.INVALID', 'arguments must be an object');
    }
    const args = (rawArgs ?? {}) as Record<string, unknown>;
    const problems = runtime.validators.get(tool.name)!(args);
    if (problems.length > 0) throw new ToolFailure('PARAMS.INVALID', problems.join('; '));
    const source = runtime.sources.get(tool.source);
    if (!source) throw new Error(`tool '${tool.name}' names source '${tool.source}', which is not open`);
    const { result, text } = await runQueryTool(tool, source, args, requestId, signal);
    if (log.enabled('debug'))
      log.debug('tool call', { tool: tool.name, request_id: requestId, rows: result.row_count, truncated: result.truncated, ms: elapsed(started) });
    return { content: [{ type: 'text', text }], structuredContent: { ...result }, _meta: { [REQUEST_ID_KEY]: requestId } };
  } catch (error) {
    const failure =
      error instanceof ToolFailure
        ? error
        : new ToolFailure('INTERNAL', 'the server failed to run this tool; the operator can find the cause in its log under the request id');
    log.warn('tool call failed', {
      tool: tool.name,
      request_id: requestId,
      code: failure.code,
      error: error instanceof ToolFailure ? describeCause(failure) : ((error as Error).stack ?? String(error)),
      ms: elapsed(started),
    });
    return errorResult(failure.code, failure.message, requestId);
  }
}

function errorResult(code: ToolErrorCode, message: string, requestId: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message} (request ${requestId})` }],
    _meta: { [REQUEST_ID_KEY]: requestId, [ERROR_CODE_KEY]: code },
  };
}

/** For the operator's log: the underlying error in full, where there is one. */
function describeCause(failure: ToolFailure): string {
  return failure.cause instanceof Error ? `${failure.message} (cause: ${failure.cause.message})` : failure.message;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
