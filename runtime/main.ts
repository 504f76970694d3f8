import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from './config.js';
import { ANONYMOUS, OPERATOR } from './contract/access.js';
import type { ServerSpec } from './contract/spec.js';
import { StartupError } from './errors.js';
import { log } from './log.js';
import { createRuntime, type Runtime } from './runtime.js';
import { openSources } from './sources/open-sources.js';
import { serveHttp } from './transports/http.js';
import { serveStdioTransport } from './transports/stdio.js';

const USAGE = (spec: ServerSpec) => `${spec.name} ${spec.version} (${spec.generator}): an MCP server over ClickHouse

Usage: node server.js [--transport stdio|http] [--host H] [--port P]
  --transport  stdio (default; for a client that launches this process) or http
  --host       address to listen on for http (default ${spec.http.host})
  --port       port to listen on for http (default ${spec.http.port})

Environment: MCPC_LOG_LEVEL (debug|info|warn|error), MCPC_SECRETS_DIR (directory of secret files),
and the variables the pipeline references with \${env:...} and \${secret:...}.
`;

/**
 * Entry point of a generated server: runs only when the generated module is the program itself
 * (importing it, say to read its spec, starts nothing).
 */
export function main(spec: ServerSpec, moduleUrl: string): void {
  if (!isEntryModule(moduleUrl)) return;
  run(spec, dirname(fileURLToPath(moduleUrl)), process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error: unknown) => {
      if (error instanceof StartupError || error instanceof ConfigError) {
        log.error(`cannot start: ${error.message}`);
      } else {
        log.error('cannot start: internal error', { error: (error as Error).stack ?? String(error) });
      }
      process.exit(1);
    },
  );
}

function parseServerArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    options: {
      transport: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

/** Returns an exit code to exit with now, or undefined while serving. */
async function run(spec: ServerSpec, serverDir: string, argv: string[]): Promise<number | undefined> {
  let values: ReturnType<typeof parseServerArgs>['values'];
  try {
    ({ values } = parseServerArgs(argv));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE(spec)}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE(spec));
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${spec.version}\n`);
    return 0;
  }
  const transport = values.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') {
    process.stderr.write(`--transport must be stdio or http, not '${transport}'\n\n${USAGE(spec)}`);
    return 2;
  }
  const port = values.port === undefined ? spec.http.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number, not '${values.port}'\n`);
    return 2;
  }

  const sources = await openSources(spec, serverDir, {
    env: process.env,
    ...(process.env.MCPC_SECRETS_DIR ? { secretsDir: process.env.MCPC_SECRETS_DIR } : {}),
  });
  const runtime = createRuntime(spec, sources);
  if (transport === 'http') {
    const host = values.host ?? spec.http.host;
    const serving = await serveHttp(runtime, host, port);
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
    const serving = serveStdioTransport(runtime);
    log.info('serving', { server: spec.name, version: spec.version, transport: 'stdio', tools: runtime.catalog.viewFor(OPERATOR).visibleTools });
    const stop = onShutdown(runtime, () => serving.close());
    void serving.closed.then(stop);
  }
  return undefined;
}

/** Closes the transport and the sources once, on SIGINT/SIGTERM (or when stdio ends), then exits. */
function onShutdown(runtime: Runtime, closeTransport: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('shutting down', { server: runtime.spec.name });
      await closeTransport().catch(() => undefined);
      await Promise.allSettled([...runtime.sources.values()].map((s) => s.close()));
      process.exit(0);
    })();
    return stopping;
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  return stop;
}

function isEntryModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
