import { ANONYMOUS, OPERATOR } from './contract/access.js';
import type { ServerSpec } from './contract/spec.js';
import { resolveConfigText } from './contract/config-text.js';
import { log } from './log.js';
import { createRuntime, type Runtime } from './runtime.js';
import { openSources } from './sources/open-sources.js';
import { serveHttp } from './transports/http.js';
import { openProtocolInput } from './transports/protocol-input.js';
import { serveStdioTransport } from './transports/stdio.js';

/** Seconds between schema drift checks when `server.drift_check_s` does not say. */
const DEFAULT_DRIFT_CHECK_S = 300;

export type ServeOptions = (
  | { transport: 'http'; host: string; port: number }
  /** `protocolFd`: where the stdio launcher put the client's stdin (never 0, which the engine reads). */
  | { transport: 'stdio'; protocolFd: number }
) & {
  /** Empty every embedded database that has a seed, and seed it again. */
  reseed: boolean;
};

/**
 * Opens the sources, prepares the runtime and serves it until SIGINT/SIGTERM (or, over stdio,
 * until the client closes its end). Loaded by `main` only in the process that serves, so a stdio
 * launcher does not pay for loading the server it never runs.
 */
export async function serve(spec: ServerSpec, serverDir: string, options: ServeOptions): Promise<void> {
  const environment = { env: process.env, ...(process.env.MCPC_SECRETS_DIR ? { secretsDir: process.env.MCPC_SECRETS_DIR } : {}) };
  const cursorSecret = spec.cursorSecret === undefined ? undefined : resolveConfigText(spec.cursorSecret, 'server cursor_secret', environment);
  const sources = await openSources(spec, serverDir, environment, { reseed: options.reseed });
  const runtime = createRuntime(spec, sources, cursorSecret === undefined ? {} : { cursorSecret });
  runtime.drift.start(spec.driftCheckS ?? DEFAULT_DRIFT_CHECK_S);
  if (spec.tools.some((t) => t.kind === 'stream') && !runtime.cursors.configured) {
    log.info(
      'stream cursors are signed with a secret of this process only: a cursor holds on this process; set server.cursor_secret to share one across replicas',
    );
  }
  if (options.transport === 'http') {
    const serving = await serveHttp(runtime, options.host, options.port);
    const { hiddenTools: hidden, visibleTools } = runtime.catalog.viewFor(ANONYMOUS);
    log.info('serving', {
      server: spec.name,
      version: spec.version,
      transport: 'http',
      url: serving.url,
      tools: visibleTools,
      ...(hidden.length > 0 ? { hidden_from_anonymous_callers: hidden } : {}),
    });
    onShutdown(runtime, () => serving.close());
  } else {
    const serving = serveStdioTransport(runtime, openProtocolInput(options.protocolFd));
    // The pid is the serving process's, not the launcher's the client started.
    log.info('serving', {
      server: spec.name,
      version: spec.version,
      transport: 'stdio',
      pid: process.pid,
      tools: runtime.catalog.viewFor(OPERATOR).visibleTools,
    });
    const stop = onShutdown(runtime, () => serving.close());
    void serving.closed.then(stop);
  }
}

/** Closes the transport and the sources once, on SIGINT/SIGTERM (or when stdio ends), then exits. */
function onShutdown(runtime: Runtime, closeTransport: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('shutting down', { server: runtime.spec.name });
      runtime.drift.stop();
      await closeTransport().catch(() => undefined);
      await Promise.allSettled([...runtime.sources.values()].map((s) => s.close()));
      process.exit(0);
    })();
    return stopping;
  };
  // `on`, not `once`: Ctrl-C reaches a stdio server twice (from the terminal and forwarded by its
  // launcher), and a second signal with no listener would kill it halfway through closing.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return stop;
}
