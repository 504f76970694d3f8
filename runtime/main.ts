import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from './contract/config-text.js';
import type { ServerSpec } from './contract/spec.js';
import { StartupError } from './errors.js';
import { log } from './log.js';
import { protocolFdFromEnv, runStdioLauncher } from './transports/stdio-launcher.js';

const USAGE = (spec: ServerSpec) => `${spec.name} ${spec.version} (${spec.generator}): an MCP server over ClickHouse

Usage: node server.js [--transport stdio|http] [--host H] [--port P] [--reseed]
  --transport  stdio (default; for a client that launches this process) or http
  --host       address to listen on for http (default ${spec.http.host})
  --port       port to listen on for http (default ${spec.http.port})
  --reseed     drop every table of each embedded source that has a seed, then run its seed again
               (to serve a changed seed file; the data in those tables is lost)

Environment: MCPC_LOG_LEVEL (debug|info|warn|error), MCPC_SECRETS_DIR (directory of secret files),
and the variables the pipeline references with \${env:...} and \${secret:...}.
`;

/** Whether a generated server already runs in this process. */
let entered = false;

/**
 * Entry point of a generated server: runs only when the generated module is the program itself
 * (importing it, say to read its spec, starts nothing).
 */
export function main(spec: ServerSpec, moduleUrl: string): void {
  // A running server imports each new build to take its spec (runtime/reload/): that import starts nothing.
  if (entered || !isEntryModule(moduleUrl)) return;
  entered = true;
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
      reseed: { type: 'boolean' },
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
  const protocolFd = protocolFdFromEnv();
  // Over stdio the protocol arrives on fd 0, which the embedded engine reads for INSERTs: this
  // process only launches the server again with the protocol on another descriptor, and waits.
  if (transport === 'stdio' && protocolFd === undefined) return runStdioLauncher();

  const { serve } = await import('./serve.js');
  const reseed = values.reseed ?? false;
  await serve(
    spec,
    serverDir,
    transport === 'http' ? { transport, host: values.host ?? spec.http.host, port, reseed } : { transport, protocolFd: protocolFd!, reseed },
  );
  return undefined;
}

function isEntryModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  // The program is imported without a query; a reload imports the same file with one.
  if (entry === undefined || new URL(moduleUrl).search !== '') return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
