import type { ServerSpec } from '../contract/spec.js';

/** Seconds clients may cache list results when `server.list_ttl_s` does not say. */
const DEFAULT_LIST_TTL_S = 30;

/** The list methods a server's cache hints cover (the SDK accepts only cacheable methods). */
type ListMethod = 'tools/list' | 'resources/list' | 'resources/templates/list';

export interface ListCacheHint {
  ttlMs: number;
  cacheScope: 'public' | 'private';
}

/**
 * The cache hints of list results (SEP-2549, protocol 2026-07-28: `ttlMs` and `cacheScope` on
 * each cacheable result). The SDK writes them only into responses to 2026-07-28 requests; a
 * 2025-era response never carries them. A list is `public` (a shared cache may serve it to any
 * caller) only when every caller sees the same one: when every tool and resource is open to
 * anonymous callers. Otherwise what a caller sees depends on its credentials, so it is `private`.
 */
export function listCacheHints(spec: ServerSpec): Record<ListMethod, ListCacheHint> {
  // Per spec, once: a server serves one build at a time, and a reload brings a new spec.
  let hints = bySpec.get(spec);
  if (!hints) {
    const ttlMs = (spec.listTtlS ?? DEFAULT_LIST_TTL_S) * 1000;
    const everyoneSeesAll = [...spec.tools, ...spec.resources, ...(spec.resourcePatterns ?? [])].every((item) => item.access === 'anonymous');
    const hint: ListCacheHint = { ttlMs, cacheScope: everyoneSeesAll ? 'public' : 'private' };
    hints = { 'tools/list': hint, 'resources/list': hint, 'resources/templates/list': hint };
    bySpec.set(spec, hints);
  }
  return hints;
}

const bySpec = new WeakMap<ServerSpec, Record<ListMethod, ListCacheHint>>();
