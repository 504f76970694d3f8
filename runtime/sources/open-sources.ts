import { readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { resolveConfigText, type ConfigEnvironment } from '../contract/config-text.js';
import { resolveServerLimits } from '../contract/server-limits.js';
import type { ConfigText, ServerSpec } from '../contract/spec.js';
import { StartupError } from '../errors.js';
import { log } from '../log.js';
import { openEmbeddedSource } from './embedded.js';
import { openRemoteSource } from './remote.js';
import type { Source } from './source.js';

/**
 * Opens every source of a server: a remote ClickHouse when its url resolves non-empty, else the
 * embedded engine at its data directory (seeded when empty; with `reseed`, emptied and seeded
 * again). Sources already opened are closed again when a later one fails, so a refused start
 * leaves nothing running.
 */
export async function openSources(
  spec: ServerSpec,
  serverDir: string,
  environment: ConfigEnvironment,
  options: { reseed?: boolean } = {},
): Promise<Map<string, Source>> {
  const { streamTimeoutS } = resolveServerLimits(spec.limits);
  const sources = new Map<string, Source>();
  // Relative paths in a pipeline are relative to the pipeline file, wherever the server starts from:
  // a client that launches it from another directory must still find the same database.
  const projectDir = resolvePath(serverDir, spec.projectDir);
  let embeddedAt: { source: string; path: string } | undefined;
  let seeded = false;
  try {
    for (const [name, source] of Object.entries(spec.sources)) {
      const resolve = (text: ConfigText | undefined, key: string) =>
        text === undefined ? undefined : resolveConfigText(text, `source '${name}' ${key}`, environment);
      const url = resolve(source.url, 'url');
      const database = resolve(source.database, 'database');
      if (url !== undefined && url !== '') {
        const username = resolve(source.username, 'username');
        const password = resolve(source.password, 'password');
        sources.set(
          name,
          await openRemoteSource({
            name,
            url,
            limits: source.limits,
            ...(username === undefined ? {} : { username }),
            ...(password === undefined ? {} : { password }),
            ...(database === undefined ? {} : { database }),
          }),
        );
      } else {
        const path = resolvePath(projectDir, resolveConfigText(source.embedded, `source '${name}' embedded`, environment));
        // chDB binds one data directory per process; a second one would fail deep inside the engine.
        if (embeddedAt && embeddedAt.path !== path) {
          throw new StartupError(
            `sources '${embeddedAt.source}' and '${name}' both use the embedded engine, at different paths (${embeddedAt.path}, ${path}); ` +
              'one process runs one embedded data directory: give them the same embedded path or point one at a ClickHouse server (url)',
          );
        }
        embeddedAt ??= { source: name, path };
        const seed = source.seed && { file: resolvePath(projectDir, source.seed.origin), sql: readSeed(name, join(serverDir, source.seed.file)) };
        sources.set(
          name,
          await openEmbeddedSource({
            name,
            path,
            limits: source.limits,
            streamTimeoutS,
            ...(database === undefined ? {} : { database }),
            ...(seed ? { seed, reseed: options.reseed ?? false } : {}),
          }),
        );
        if (seed) seeded = true;
      }
    }
  } catch (error) {
    await Promise.allSettled([...sources.values()].map((s) => s.close()));
    throw error;
  }
  // Only an embedded source with a seed is ever emptied: a ClickHouse server's data is not the seed's.
  if (options.reseed && !seeded) log.warn('--reseed: no source of this server is embedded with a seed; nothing was dropped');
  return sources;
}

function readSeed(source: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new StartupError(`source '${source}': seed file ${path} is missing from the build; rebuild with \`mcpc build\``);
  }
}
