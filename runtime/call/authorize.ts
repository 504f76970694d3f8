import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import { mayAccess } from '../contract/access.js';
import type { ResourceSpec } from '../contract/spec.js';
import type { Runtime } from '../runtime.js';
import type { ServedTool } from '../tools/served-tool.js';
import type { CallContext } from './context.js';

/**
 * First stage of every call: the tool, if this caller may see it. A tool hidden from the caller
 * is answered exactly like one that does not exist, so a caller cannot learn what it cannot see.
 */
export function authorizeTool(runtime: Runtime, context: CallContext, name: string): ServedTool {
  const tool = runtime.tools.get(name);
  if (!tool || !mayAccess(context.principal, tool.spec)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
  return tool;
}

/** The same rule for `resources/read`: a hidden resource is as unknown as a missing one. */
export function authorizeResource(runtime: Runtime, context: CallContext, uri: string): ResourceSpec {
  const resource = runtime.resources.get(uri) ?? runtime.discovery.resource(uri);
  if (!resource || !mayAccess(context.principal, resource)) throw new ResourceNotFoundError(uri);
  return resource;
}
