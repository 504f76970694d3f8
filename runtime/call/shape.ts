import type { CallToolResult } from '@modelcontextprotocol/server';
import { ToolFailure } from '../errors.js';
import { log } from '../log.js';
import type { ToolOutcome } from '../tools/kind.js';
import type { ServedTool } from '../tools/served-tool.js';
import { elapsedMs, type CallContext } from './context.js';

/** `_meta` keys mcpc adds to every tool result. */
const REQUEST_ID_KEY = 'mcpc/request_id';
const ERROR_CODE_KEY = 'mcpc/error_code';
const RETRY_AFTER_KEY = 'mcpc/retry_after_ms';
const REPLAYED_KEY = 'mcpc/replayed';
/** The longest error text a result carries; messages are built short, this is the guarantee. */
const MAX_ERROR_TEXT = 2000;

/**
 * Last stage, wrapped around the others: a tool's outcome becomes its MCP result, and a failure
 * becomes a result with `isError`, a stable code and a message that names what to fix. Failures
 * are never thrown to the protocol layer, so the server keeps serving. Every result carries the
 * request id; the log line about the call carries it too.
 */
export async function shapeResult(context: CallContext, tool: ServedTool, run: () => Promise<ToolOutcome>): Promise<CallToolResult> {
  const { requestId } = context;
  try {
    const outcome = await run();
    if (log.enabled('debug')) log.debug('tool call', { tool: tool.spec.name, request_id: requestId, ...outcome.logFields, ms: elapsedMs(context) });
    // A replayed write answers as the call that did it: its request id, and a word that it was replayed.
    const meta = outcome.replayed ? { [REQUEST_ID_KEY]: outcome.requestId ?? requestId, [REPLAYED_KEY]: true } : { [REQUEST_ID_KEY]: requestId };
    return { content: [{ type: 'text', text: outcome.text }], structuredContent: outcome.structured, _meta: meta };
  } catch (error) {
    const failure =
      error instanceof ToolFailure
        ? error
        : new ToolFailure('INTERNAL', 'the server failed to run this tool; the operator can find the cause in its log under the request id');
    log.warn('tool call failed', {
      tool: tool.spec.name,
      request_id: requestId,
      caller: context.principal.id,
      code: failure.code,
      error: error instanceof ToolFailure ? describeCause(failure) : ((error as Error).stack ?? String(error)),
      ms: elapsedMs(context),
    });
    return errorResult(failure, requestId);
  }
}

function errorResult(failure: ToolFailure, requestId: string): CallToolResult {
  const message = failure.message.length > MAX_ERROR_TEXT ? `${failure.message.slice(0, MAX_ERROR_TEXT)}…` : failure.message;
  return {
    isError: true,
    content: [{ type: 'text', text: `${failure.code}: ${message} (request ${requestId})` }],
    _meta: {
      [REQUEST_ID_KEY]: requestId,
      [ERROR_CODE_KEY]: failure.code,
      ...(failure.retryAfterMs === undefined ? {} : { [RETRY_AFTER_KEY]: failure.retryAfterMs }),
    },
  };
}

/** For the operator's log: the underlying error in full, where there is one. */
function describeCause(failure: ToolFailure): string {
  return failure.cause instanceof Error ? `${failure.message} (cause: ${failure.cause.message})` : failure.message;
}
