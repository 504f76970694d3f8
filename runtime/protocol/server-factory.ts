import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, Server, type McpServerFactory, type Tool } from '@modelcontextprotocol/server';
import type { Runtime } from '../runtime.js';
import type { Column } from '../sources/source.js';
import { log } from '../log.js';
import { callTool } from './call-tool.js';
import type { Principal } from './catalog.js';

/**
 * The per-request server factory both transports use (HTTP calls it per request, stdio per
 * connection). It uses the SDK's low-level `Server` so that a request costs a handful of
 * handler registrations whatever the number of tools: the list payloads, schemas and
 * validators were built once at start. `McpServer` would re-register every tool per request.
 */
export function serverFactory(runtime: Runtime, principal: Principal): McpServerFactory {
  const view = runtime.views[principal.kind];
  const { spec } = runtime;
  // The same caller always sees the same lists, but callers may differ: lists are private.
  const cacheHints = { 'tools/list': { ttlMs: 60_000, cacheScope: 'private' as const }, 'resources/list': { ttlMs: 60_000, cacheScope: 'private' as const } };
  return () => {
    const server = new Server(
      { name: spec.name, version: spec.version },
      {
        capabilities: { tools: { listChanged: false }, resources: {} },
        ...(spec.instructions === undefined ? {} : { instructions: spec.instructions }),
        cacheHints,
      },
    );
    server.setRequestHandler('tools/list', (request) => {
      const page = view.toolPages.page(request.params?.cursor);
      // The compiler emits every input schema as an object schema; the SDK's type wants that spelled out.
      return { tools: [...page.items] as unknown as Tool[], ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
    });
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const result = await callTool(runtime, view, request.params.name, request.params.arguments, ctx.mcpReq.signal);
      const tool = view.tools.get(request.params.name);
      return server.projectCallToolResult(result, tool?.outputSchema);
    });
    server.setRequestHandler('resources/list', (request) => {
      const page = view.resourcePages.page(request.params?.cursor);
      return { resources: [...page.items], ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
    });
    server.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: [] }));
    server.setRequestHandler('resources/read', async (request) => {
      const resource = view.resources.get(request.params.uri);
      if (!resource) throw new ResourceNotFoundError(request.params.uri);
      const source = runtime.sources.get(resource.source);
      if (!source) throw new ProtocolError(ProtocolErrorCode.InternalError, `resource source '${resource.source}' is not open`);
      let columns: Column[];
      try {
        columns = await source.describeTable(resource.database, resource.table);
      } catch (error) {
        log.warn('resource read failed', { resource: resource.name, error: (error as Error).message });
        throw new ProtocolError(ProtocolErrorCode.InternalError, `cannot describe ${resource.name}: the source is unavailable`);
      }
      const body = {
        resource: resource.name,
        source: resource.source,
        ...(resource.database === undefined ? {} : { database: resource.database }),
        table: resource.table,
        ...(resource.description === undefined ? {} : { description: resource.description }),
        columns,
        ...(columns.length === 0 ? { note: 'the table does not exist in the source (yet)' } : {}),
      };
      return { contents: [{ uri: resource.uri, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
    });
    return server;
  };
}
