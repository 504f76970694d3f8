import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mayAccess, type Principal } from '../contract/access.js';
import type { AccessLevel, ServerSpec } from '../contract/spec.js';
import { log } from '../log.js';

/** The URI of the server's manifest as a resource. */
export const MANIFEST_URI = 'mcpc://manifest';

/** How the manifest is listed in `resources/list`. */
export const MANIFEST_RESOURCE = {
  uri: MANIFEST_URI,
  name: 'manifest',
  description:
    'The contract of this server as `mcpc build` wrote it (tools, pipelines, resources, each with its fingerprint), showing only what this caller may see',
  mimeType: 'application/json',
} as const;

/** What the runtime reads of a manifest entry to decide who sees it; the rest passes through as written. */
interface Entry {
  name: string;
  access: AccessLevel;
  scopes?: string[];
  source?: string;
}

/**
 * The manifest `mcpc build` writes beside `server.js` (compiler/emit/manifest.ts owns its shape):
 * only the parts the per-caller filter reads are typed here.
 */
export interface ServedManifest {
  content_hash: string;
  sources: Array<{ name: string }>;
  resources: Entry[];
  /** Resources given as a table pattern (absent when none). */
  resource_patterns?: Entry[];
  tools: Entry[];
  pipelines: Entry[];
  [key: string]: unknown;
}

/**
 * Reads the build's `manifest.json`, when it is the one this server was built with (its content
 * hash is the spec's). Without it, or with another build's, the server serves no manifest
 * rather than one that describes something else; it says so in its log.
 */
export function loadServedManifest(spec: ServerSpec, serverDir: string): ServedManifest | undefined {
  const path = join(serverDir, 'manifest.json');
  let manifest: ServedManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as ServedManifest;
  } catch (error) {
    log.warn('no manifest to serve as mcpc://manifest', { path, error: (error as Error).message });
    return undefined;
  }
  if (manifest.content_hash !== spec.contentHash) {
    log.warn('manifest.json is not the one this server was built with; mcpc://manifest is not served', {
      path,
      manifest_hash: manifest.content_hash,
      server_hash: spec.contentHash,
    });
    return undefined;
  }
  return manifest;
}

/**
 * The manifest as one caller may see it: the tools, pipelines and resources the visibility rule
 * (`mayAccess`, the same as the lists and calls use) shows this caller, and the sources those
 * use; everything else as written. Nothing in it names what the caller cannot see: not an entry,
 * not a count. `content_hash` stays the build's (the same as /healthz and mcpc://health report),
 * so it identifies the build, not this view.
 */
export function manifestFor(manifest: ServedManifest, principal: Principal): ServedManifest {
  const visible = <T extends Entry>(entries: readonly T[]) => entries.filter((entry) => mayAccess(principal, entry));
  const resources = visible(manifest.resources);
  const patterns = manifest.resource_patterns && visible(manifest.resource_patterns);
  const tools = visible(manifest.tools);
  const used = new Set([...resources, ...(patterns ?? []), ...tools].map((entry) => entry.source));
  const { resource_patterns: _all, ...rest } = manifest;
  return {
    ...rest,
    sources: manifest.sources.filter((source) => used.has(source.name)),
    resources,
    ...(patterns && patterns.length > 0 ? { resource_patterns: patterns } : {}),
    tools,
    pipelines: visible(manifest.pipelines),
  };
}
