import { mayAccess, type Principal } from '../contract/access.js';
import type { ResourceSpec, ServerSpec } from '../contract/spec.js';
import type { TableDiscovery } from '../discovery/table-patterns.js';
import type { McpTool, ServedTool } from '../tools/served-tool.js';
import { MANIFEST_RESOURCE, manifestFor, type ServedManifest } from './manifest-resource.js';
import { Pages } from './pages.js';

/** What one caller can see, with the list payloads built once. */
export interface CatalogView {
  toolPages: Pages<McpTool>;
  resourcePages: Pages<McpResource>;
  /** Names of the tools this caller does not see, for the operator's log. */
  hiddenTools: readonly string[];
  visibleTools: number;
  /** The manifest as this caller may see it (mcpc://manifest), serialized once; absent when the server has none. */
  manifestText?: string;
}

interface McpResource {
  uri: string;
  name: string;
  description?: string;
  mimeType: string;
}

/**
 * The tools and resources each caller sees. Callers with the same rights see the same lists, so
 * a view is built once per kind of caller and set of scopes that matter here, and reused: a list
 * request costs a lookup, not a rebuild. Scopes no resource requires do not make a new view, so
 * the views are bounded by the server's scopes, not by what tokens carry.
 */
export class Catalog {
  private readonly views = new Map<string, CatalogView>();
  private readonly scopes: ReadonlySet<string>;
  /** The discovery generation the views were built at: tables found or gone since rebuild them. */
  private generation = 0;

  constructor(
    private readonly spec: ServerSpec,
    private readonly tools: readonly ServedTool[],
    private readonly discovery?: TableDiscovery,
    private readonly manifest?: ServedManifest,
  ) {
    this.scopes = new Set(spec.auth?.scopesSupported ?? []);
  }

  viewFor(principal: Principal): CatalogView {
    if (this.discovery && this.discovery.generation !== this.generation) {
      this.views.clear();
      this.generation = this.discovery.generation;
    }
    const key = `${principal.kind} ${principal.scopes
      .filter((s) => this.scopes.has(s))
      .sort()
      .join(' ')}`;
    let view = this.views.get(key);
    if (!view) {
      view = this.build(principal);
      this.views.set(key, view);
    }
    return view;
  }

  private build(principal: Principal): CatalogView {
    const pageSize = this.spec.listPageSize;
    const visible = this.tools.filter((tool) => mayAccess(principal, tool.spec));
    const resources = [...this.spec.resources, ...(this.discovery?.resources ?? [])].filter((resource) => mayAccess(principal, resource));
    return {
      toolPages: new Pages(
        visible.map((tool) => tool.listing),
        pageSize,
      ),
      resourcePages: new Pages([...resources.map(toMcpResource), HEALTH_RESOURCE, ...(this.manifest ? [MANIFEST_RESOURCE] : [])], pageSize),
      hiddenTools: this.tools.filter((tool) => !visible.includes(tool)).map((tool) => tool.spec.name),
      visibleTools: visible.length,
      ...(this.manifest ? { manifestText: JSON.stringify(manifestFor(this.manifest, principal), null, 2) } : {}),
    };
  }
}

/** The URI of the health report as a resource, for callers that speak MCP only. */
export const HEALTH_URI = 'mcpc://health';

/** The server's health, as a resource every caller may read (the same report as /healthz). */
const HEALTH_RESOURCE: McpResource = {
  uri: HEALTH_URI,
  name: 'health',
  description: "The server's health: each source, calls and streams running, and stream backpressure",
  mimeType: 'application/json',
};

function toMcpResource(resource: ResourceSpec): McpResource {
  return {
    uri: resource.uri,
    name: resource.name,
    ...(resource.description === undefined ? {} : { description: resource.description }),
    mimeType: 'application/json',
  };
}
