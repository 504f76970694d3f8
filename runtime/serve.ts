import { resolve } from 'node:path';
import { type Authenticator, createAuthenticator } from './auth/authenticator.js';
import { ANONYMOUS, OPERATOR, type Principal } from './contract/access.js';
import type { AuthSpec, ServerSpec } from './contract/spec.js';
import { StartupError } from './errors.js';
import { type ConfigEnvironment, resolveConfigText } from './contract/config-text.js';
import { log } from './log.js';
import { loadServedManifest } from './protocol/manifest-resource.js';
import { watchBuild } from './reload/build-watch.js';
import { LiveRuntime } from './reload/live-runtime.js';
import { createRuntime } from './runtime.js';
import { openAudit } from './audit/open-audit.js';
import { onShutdown, type ShutdownFlush } from './shutdown.js';
import { openSources } from './sources/open-sources.js';
import { openState } from './state/open-state.js';
import { resolveServerLimits } from './contract/server-limits.js';
import type { Telemetry } from './telemetry/telemetry.js';
import { serveHttp } from './transports/http.js';
import { openProtocolInput } from './transports/protocol-input.js';
import { serveStdioTransport } from './transports/stdio.js';

/** The environment variable a stdio client sets to call as a token's caller rather than as the local operator. */
const STDIO_TOKEN_ENV = 'MCPC_TOKEN';

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
  // Before the sources open: a token or key file that cannot work stops the start cheaply.
  const authenticator = await createAuthenticator(spec.auth, resolve(serverDir, spec.projectDir), environment);
  const stdioCaller = options.transport === 'stdio' ? await stdioPrincipal(authenticator, process.env[STDIO_TOKEN_ENV]) : undefined;
  // Before the sources open too: a state store that does not answer, or an audit sink that cannot
  // be configured, stops the start before any engine opens.
  const state = await openState(spec, resolveServerLimits(spec.limits), environment);
  const audit = spec.audit && openAudit(spec.audit, spec.name, resolve(serverDir, spec.projectDir), environment);
  const telemetry = await startTelemetryIfSet(spec, environment);
  const sources = await openSources(spec, serverDir, environment, { reseed: options.reseed }).catch(async (error: unknown) => {
    await state.close();
    throw error;
  });
  const manifest = loadServedManifest(spec, serverDir);
  const runtime = createRuntime(spec, sources, {
    state,
    ...(audit ? { audit } : {}),
    ...(telemetry ? { telemetry } : {}),
    ...(cursorSecret === undefined ? {} : { cursorSecret }),
    ...(manifest ? { manifest } : {}),
  });
  // What shutdown hands over before exit: the audit's records, telemetry's last spans and metrics.
  const flushes: ShutdownFlush[] = [
    ...(audit ? [{ name: 'audit', flush: (timeoutMs: number) => audit.log.close(timeoutMs) }] : []),
    ...(telemetry ? [{ name: 'telemetry', flush: () => telemetry.shutdown() }] : []),
  ];
  // The tables its patterns match are found before it serves, so the first resource list is whole.
  await runtime.discovery.check();
  const live = new LiveRuntime(runtime);
  live.start();
  const builds = watchBuild(serverDir, live);
  if (spec.tools.some((t) => t.kind === 'stream') && !runtime.cursors.configured) {
    log.info(
      'stream cursors are signed with a secret of this process only: a cursor holds on this process; set server.cursor_secret to share one across replicas',
    );
  }
  if (options.transport === 'http') {
    const serving = await serveHttp(live, options.host, options.port, authenticator);
    const { hiddenTools: hidden, visibleTools } = runtime.catalog.viewFor(ANONYMOUS);
    log.info('serving', {
      server: spec.name,
      version: spec.version,
      transport: 'http',
      url: serving.url,
      tools: visibleTools,
      ...(spec.auth ? { auth: authSummary(spec.auth) } : {}),
      ...(spec.state ? { state: runtime.state.where } : {}),
      ...(hidden.length > 0 ? { hidden_from_anonymous_callers: hidden } : {}),
    });
    onShutdown(live, builds, serving, flushes);
  } else {
    const caller = stdioCaller ?? OPERATOR;
    const serving = serveStdioTransport(live, openProtocolInput(options.protocolFd), caller);
    // The pid is the serving process's, not the launcher's the client started.
    log.info('serving', {
      server: spec.name,
      version: spec.version,
      transport: 'stdio',
      pid: process.pid,
      caller: caller.id,
      tools: runtime.catalog.viewFor(caller).visibleTools,
    });
    const stop = onShutdown(live, builds, serving, flushes);
    void serving.closed.then(stop);
  }
}

/**
 * The stdio caller: the local operator, unless the environment gives a token, which must then
 * verify (a client configured with a token means to be that caller, never the operator).
 * Checked once, at start: a stdio server lives as long as its client's session.
 */
async function stdioPrincipal(authenticator: Authenticator, token: string | undefined): Promise<Principal | undefined> {
  if (token === undefined || token === '') return undefined;
  const identity = await authenticator.verifyToken(token);
  if (!identity.ok) throw new StartupError(`${STDIO_TOKEN_ENV}: ${identity.reason}`);
  return identity.principal;
}

/** The providers and policy, for the log line that says what is served (no keys, no URLs from the environment). */
function authSummary(auth: AuthSpec): Record<string, unknown> {
  return { jwt: auth.jwt ? auth.jwt.issuer : false, api_keys: auth.apiKeys !== undefined, anonymous: auth.anonymous };
}

/**
 * The SDK, started only when `telemetry.otlp_endpoint` resolves non-empty (and loaded only then):
 * without it a server has no span, no metric and no exporter.
 */
async function startTelemetryIfSet(spec: ServerSpec, environment: ConfigEnvironment): Promise<Telemetry | undefined> {
  if (spec.telemetry === undefined) return undefined;
  const endpoint = resolveConfigText(spec.telemetry.otlpEndpoint, 'telemetry otlp_endpoint', environment);
  if (endpoint === '') return undefined;
  const { startTelemetry } = await import('./telemetry/start.js');
  const telemetry = startTelemetry({ endpoint, serviceName: spec.name, serviceVersion: spec.version });
  log.info('exporting telemetry over OTLP/HTTP', { server: spec.name });
  return telemetry;
}
