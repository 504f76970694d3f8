import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerSpec } from '../contract/spec.js';
import { log } from '../log.js';
import { loadServedManifest } from '../protocol/manifest-resource.js';
import { type Runtime, withSpec } from '../runtime.js';
import type { ListChange, LiveRuntime } from './live-runtime.js';
import { restartOnlyChanges } from './restart-only.js';

/** The file a build writes last (compiler/cli/output-files.ts): when it changes, the whole build is there. */
const SERVER_FILE = 'server.js';

/** Events closer than this make one reload (a build renames several files, an editor may save twice). */
const DEBOUNCE_MS = 200;

/**
 * Watches a running server's build directory and swaps in each new build `mcpc build` writes
 * there, without dropping a connection: the next request is served by the new build, calls in
 * flight finish on the old, and clients hear `list_changed` for what changed. A build that does
 * not load, or that changes what only a restart can change (sources, auth, http, limits), is
 * refused with a log line, and the running build keeps serving.
 *
 * Each build loaded is a module of its own (ESM cannot unload one): a long-lived server keeps a
 * few kilobytes per build it took.
 */
export function watchBuild(serverDir: string, live: LiveRuntime): { close(): void } {
  const file = join(serverDir, SERVER_FILE);
  let seen = fileHash(file);
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> | undefined;
  let again = false;

  const reload = async (): Promise<void> => {
    const hash = fileHash(file);
    // A build that wrote the same server (or removed it) is nothing to take.
    if (hash === undefined || hash === seen) return;
    seen = hash;
    let spec: ServerSpec;
    try {
      // A query makes a new module of the changed file; importing a generated server starts nothing (see main).
      const module = (await import(`${pathToFileURL(file).href}?build=${hash.slice(0, 16)}`)) as { spec?: ServerSpec };
      if (typeof module.spec !== 'object' || module.spec === null || !Array.isArray(module.spec.tools)) {
        throw new Error(`${SERVER_FILE} exports no server spec`);
      }
      spec = module.spec;
    } catch (error) {
      log.error('reload refused: the new build does not load; the running build keeps serving', { file, error: (error as Error).message });
      return;
    }
    const running = live.current;
    const restartOnly = restartOnlyChanges(running.spec, spec);
    if (restartOnly.length > 0) {
      log.error(`reload refused: the new build changes ${restartOnly.join(', ')}, which only a restart applies; the running build keeps serving`, {
        running: running.spec.contentHash,
        refused: spec.contentHash,
      });
      return;
    }
    let next: Runtime;
    try {
      // Its manifest.json was written before server.js (the file watched), so it is this build's.
      next = withSpec(running, spec, loadServedManifest(spec, serverDir));
      // The tables its patterns match are found before it serves, so its first list is whole.
      await next.discovery.check();
    } catch (error) {
      log.error('reload refused: the new build cannot be prepared; the running build keeps serving', { error: (error as Error).message });
      return;
    }
    const change = listChange(running, next);
    live.swap(next, change);
    log.info('reloaded', {
      server: spec.name,
      version: spec.version,
      content_hash: spec.contentHash,
      tools: spec.tools.length,
      tools_changed: change.tools,
      resources_changed: change.resources,
    });
  };

  const run = (): void => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = reload().finally(() => {
      reloading = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(serverDir, (_event, name) => {
      if (name !== SERVER_FILE) return;
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE_MS);
    });
  } catch (error) {
    log.warn('cannot watch the build directory; new builds need a restart', { dir: serverDir, error: (error as Error).message });
    return { close: () => undefined };
  }
  watcher.on('error', (error) => log.warn('stopped watching the build directory; new builds need a restart', { dir: serverDir, error: error.message }));
  watcher.unref();
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

function fileHash(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Which lists a client would see change: the tools' listings and who sees them, and the resources (declared, patterns, found). */
function listChange(running: Runtime, next: Runtime): ListChange {
  const tools = (r: Runtime) => JSON.stringify([...r.tools.values()].map((tool) => [tool.listing, tool.spec.access, tool.spec.scopes]));
  const resources = (r: Runtime) => JSON.stringify([r.spec.resources, r.spec.resourcePatterns ?? [], r.discovery.resources.map((d) => d.uri)]);
  return { tools: tools(running) !== tools(next), resources: resources(running) !== resources(next) };
}
