import type { IncomingMessage } from 'node:http';
import { lacksOnlyScopes, type Principal } from '../contract/access.js';
import type { AccessRule, AuthSpec } from '../contract/spec.js';
import type { Runtime } from '../runtime.js';

/** Where RFC 9728 puts a protected resource's metadata, before the resource's own path. */
const METADATA_PATH = '/.well-known/oauth-protected-resource';
const MCP_PATH = '/mcp';

/** The URL of this server's MCP endpoint as clients name it: the pipeline's `auth.resource`, or from the (already validated) Host. */
function resourceUrl(req: IncomingMessage, auth: AuthSpec): string {
  return auth.resource ?? `http://${req.headers.host ?? 'localhost'}${MCP_PATH}`;
}

/** The metadata URL for a resource URL: the well-known prefix inserted before its path (RFC 9728 §3.1). */
function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${METADATA_PATH}${path}`;
}

/** The paths the metadata is served at: the one RFC 9728 derives from the endpoint, and the root one older clients ask. */
export function isMetadataPath(path: string | undefined, auth: AuthSpec | undefined, req: IncomingMessage): boolean {
  if (auth === undefined || path === undefined) return false;
  return path === METADATA_PATH || path === new URL(metadataUrl(resourceUrl(req, auth))).pathname;
}

/** OAuth 2.0 Protected Resource Metadata (RFC 9728): which authorization servers issue tokens for this server, and its scopes. */
export function protectedResourceMetadata(req: IncomingMessage, auth: AuthSpec, serverName: string): Record<string, unknown> {
  return {
    resource: resourceUrl(req, auth),
    authorization_servers: auth.jwt ? [auth.jwt.issuer] : [],
    bearer_methods_supported: ['header'],
    scopes_supported: [...auth.scopesSupported],
    resource_name: serverName,
  };
}

/**
 * The `WWW-Authenticate` challenge of a 401 or 403 (RFC 6750 §3), naming where the metadata is.
 * Values are quoted text the server wrote (reasons, scopes of RFC 6749's character set), never
 * anything the client sent.
 */
export function challenge(
  req: IncomingMessage,
  auth: AuthSpec | undefined,
  refusal: { error?: string; reason?: string; scope?: readonly string[] },
): Record<string, string> {
  const parts: string[] = [];
  if (auth) parts.push(`resource_metadata="${metadataUrl(resourceUrl(req, auth))}"`);
  if (refusal.error) parts.push(`error="${refusal.error}"`);
  if (refusal.reason) parts.push(`error_description="${refusal.reason.replace(/["\\]/g, "'")}"`);
  if (refusal.scope && refusal.scope.length > 0) parts.push(`scope="${refusal.scope.join(' ')}"`);
  return { 'www-authenticate': `Bearer ${parts.join(', ')}` };
}

/**
 * The scopes a message's calls need that the caller's token lacks: for a `tools/call` or
 * `resources/read` of something that exists, is for authenticated callers, and is refused only
 * for want of scopes. Such a call is answered 403 `insufficient_scope` (MCP's step-up), not as
 * unknown: see the README's Security model for why that is the one place existence shows.
 */
export function missingScopesFor(runtime: Runtime, principal: Principal, message: unknown): string[] | undefined {
  if (principal.kind !== 'user') return undefined;
  const needed = new Set<string>();
  for (const item of Array.isArray(message) ? message : [message]) {
    const rule = ruleOf(runtime, item);
    if (rule && lacksOnlyScopes(principal, rule)) for (const scope of rule.scopes ?? []) needed.add(scope);
  }
  return needed.size === 0 ? undefined : [...needed].sort();
}

function ruleOf(runtime: Runtime, item: unknown): AccessRule | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { method, params } = item as { method?: unknown; params?: { name?: unknown; uri?: unknown } };
  if (method === 'tools/call' && typeof params?.name === 'string') return runtime.tools.get(params.name)?.spec;
  if (method === 'resources/read' && typeof params?.uri === 'string') return runtime.resources.get(params.uri);
  return undefined;
}
