import type { ResourceSpec, ServerSpec, ToolSpec } from '../contract.js';
import { Pages } from './pages.js';

/**
 * Who is calling. Without an auth layer, an HTTP caller is anonymous: it sees only resources
 * marked `access: anonymous` and the tools that read nothing else. A stdio caller is the local
 * operator who launched the server with their own credentials; it sees everything.
 */
export type Principal = { kind: 'anonymous' } | { kind: 'local' };

/** What one kind of caller can see, with the list payloads built once at start. */
export interface CatalogView {
  tools: ReadonlyMap<string, ToolSpec>;
  resources: ReadonlyMap<string, ResourceSpec>;
  toolPages: Pages<McpTool>;
  resourcePages: Pages<McpResource>;
  hiddenTools: readonly string[];
}

interface McpTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
}

interface McpResource {
  uri: string;
  name: string;
  description?: string;
  mimeType: string;
}

/** Builds the view of each kind of caller once, so list requests cost a lookup, not a rebuild. */
export function buildCatalog(spec: ServerSpec): Record<Principal['kind'], CatalogView> {
  return { anonymous: view(spec, (r) => r.access === 'anonymous'), local: view(spec, () => true) };
}

function view(spec: ServerSpec, canRead: (resource: ResourceSpec) => boolean): CatalogView {
  const pageSize = spec.listPageSize;
  const resourcesByName = new Map(spec.resources.map((r) => [r.name, r]));
  const visibleResources = spec.resources.filter(canRead);
  const visibleTools: ToolSpec[] = [];
  const hiddenTools: string[] = [];
  for (const tool of spec.tools) {
    const readable = tool.reads.every((name) => {
      const resource = resourcesByName.get(name);
      return resource !== undefined && canRead(resource);
    });
    if (readable) visibleTools.push(tool);
    else hiddenTools.push(tool.name);
  }
  return {
    tools: new Map(visibleTools.map((t) => [t.name, t])),
    resources: new Map(visibleResources.map((r) => [r.uri, r])),
    toolPages: new Pages(visibleTools.map(toMcpTool), pageSize),
    resourcePages: new Pages(
      visibleResources.map((r) => ({
        uri: r.uri,
        name: r.name,
        ...(r.description === undefined ? {} : { description: r.description }),
        mimeType: 'application/json',
      })),
      pageSize,
    ),
    hiddenTools,
  };
}

function toMcpTool(tool: ToolSpec): McpTool {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    // A declared SELECT under readonly settings: it reads, never writes, and only touches its source.
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  };
}
