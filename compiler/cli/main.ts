import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mcpcVersion } from '../paths.js';
import type { DiagnosticFormat } from '../diagnostics/render.js';
import type { Io } from './commands.js';
import { InternalError } from './internal-error.js';
import { resolveOut } from './output-files.js';

const USAGE = `mcpc ${mcpcVersion}: compile pipeline YAML into MCP servers over ClickHouse

Usage:
  mcpc build FILE... [--out DIR]       check, then write DIR/<server.name>/ (default DIR: build)
               [--bundle]              also write server.mjs (the server and its packages in one file, chDB left out),
                                       with the package.json that installs chDB and a Dockerfile, to deploy anywhere
  mcpc check FILE... [--format F]      report every problem; exit 1 on errors, 0 when clean
               [--out DIR]             also fail when the build in DIR/<server.name>/ is stale
               [--against OLD]         also fail when server.version is not bumped as far as the changes since OLD need
  mcpc diff OLD NEW [--format F]       classify every change to the contract (breaking, compatible, patch) and the bump it needs;
                                       OLD and NEW: a manifest.json, a pipeline file, or git:REF:PATH
  mcpc drift FILE [--write]            compare the pipeline's schema with its live sources: changed tables and columns,
                                       and the tools they break (exit 1); --write replaces the schema file with the live DDL
  mcpc introspect (--url URL | --embedded DIR) [--database D] [--tables GLOB] [--out FILE]
                                       print (or write) the DDL of a ClickHouse source's tables, as a source's schema file
  mcpc init (--url URL | --embedded DIR) [--database D] [--tables GLOB] [--name N] [--out DIR]
                                       scaffold DIR/pipeline.yaml (a resource and a query tool per table) and DIR/schema.sql
  mcpc test FILE [--out DIR] [--format text|json]
                                       build, start the server over stdio and run every tool's examples against its sources
                                       (embedded, seeded; or the URL its environment gives); exit 1 when one fails
  mcpc dev FILE [--host H] [--port P]  build, serve over HTTP on embedded ClickHouse, rebuild on change
               [--reseed]              first drop the tables of embedded sources with a seed, and seed again
  mcpc graph FILE [--format F]         print the resources, tools and pipelines (with their steps) as a graph
  mcpc keys add NAME --file F          mint an API key: print it once, append its SHA-256 hash to F
               [--scopes a,b]          the scopes it grants
  mcpc --help | --version

Formats (check, diff): text (default), json, github (GitHub Actions annotations).
Formats (graph): mermaid (default), dot (Graphviz).
Exit codes: 0 ok, 1 the pipeline has errors, 2 wrong usage, 70 internal error (a bug in mcpc).
`;

class UsageError extends Error {}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`mcpc: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    const message = error instanceof InternalError ? error.message : ((error as Error).stack ?? String(error));
    io.stderr(`mcpc: internal error (MCPC_INTERNAL), please report it:\n${message}\n`);
    return 70;
  }
}

/** The CLI's options, parsed strictly: an unknown flag is a usage error. */
function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      format: { type: 'string' },
      against: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      reseed: { type: 'boolean' },
      bundle: { type: 'boolean' },
      write: { type: 'boolean' },
      url: { type: 'string' },
      embedded: { type: 'string' },
      database: { type: 'string' },
      tables: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      file: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${mcpcVersion}\n`);
    return 0;
  }
  const [command, ...files] = positionals;
  const only = (allowed: string[]) => {
    for (const option of [
      'out',
      'format',
      'host',
      'port',
      'reseed',
      'bundle',
      'against',
      'write',
      'url',
      'embedded',
      'database',
      'tables',
      'name',
      'scopes',
      'file',
    ] as const) {
      if (values[option] !== undefined && !allowed.includes(option)) throw new UsageError(`--${option} does not apply to '${command}'`);
    }
  };
  // Each command is loaded when it runs: the compiler brings TypeScript (with ts-morph), the YAML
  // parser and Ajv, about 0.6 s that --help, --version and a usage error should not pay.
  switch (command) {
    case 'build':
      only(['out', 'bundle']);
      if (files.length === 0) throw new UsageError('build needs at least one pipeline file');
      return (await import('./commands.js')).buildCommand(files, resolveOut(values.out), io, { bundle: values.bundle ?? false });
    case 'check': {
      only(['out', 'format', 'against']);
      if (files.length === 0) throw new UsageError('check needs at least one pipeline file');
      if (values.against !== undefined && files.length !== 1)
        throw new UsageError('check --against compares exactly one pipeline file with its earlier contract');
      return (await import('./commands.js')).checkCommand(
        files,
        diagnosticFormat(values.format),
        values.out === undefined ? undefined : resolveOut(values.out),
        io,
        values.against,
      );
    }
    case 'introspect':
      only(['url', 'embedded', 'database', 'tables', 'out']);
      if (files.length > 0) throw new UsageError('introspect takes no files: name the source with --url or --embedded');
      return (await import('./commands.js')).introspectCommand(liveOptions(values), values.out, io);
    case 'init': {
      only(['url', 'embedded', 'database', 'tables', 'out', 'name']);
      if (files.length > 0) throw new UsageError('init takes no files: name the source with --url or --embedded, and the directory with --out');
      return (await import('./commands.js')).initCommand(liveOptions(values), values.name ?? 'warehouse', values.out ?? '.', io);
    }
    case 'drift':
      only(['write']);
      if (files.length !== 1) throw new UsageError('drift compares exactly one pipeline file with its live sources');
      return (await import('./commands.js')).driftCommand(files[0]!, values.write ?? false, io);
    case 'diff': {
      only(['format']);
      if (files.length !== 2) throw new UsageError('diff compares exactly two contracts: OLD and NEW');
      return (await import('./commands.js')).diffCommand(files[0]!, files[1]!, diagnosticFormat(values.format), io);
    }
    case 'test': {
      only(['out', 'format']);
      if (files.length !== 1) throw new UsageError('test runs the examples of exactly one pipeline file');
      const format = values.format ?? 'text';
      if (format !== 'text' && format !== 'json') throw new UsageError(`test --format must be text or json, not '${format}'`);
      return (await import('./test-command.js')).testCommand(files[0]!, resolveOut(values.out), format, io);
    }
    case 'dev': {
      only(['out', 'host', 'port', 'reseed']);
      if (files.length !== 1) throw new UsageError('dev serves exactly one pipeline file');
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
        throw new UsageError(`--port must be a port number, not '${values.port}'`);
      return (await import('./dev.js')).devCommand(
        files[0]!,
        {
          outRoot: resolveOut(values.out),
          ...(values.host === undefined ? {} : { host: values.host }),
          ...(port === undefined ? {} : { port }),
          reseed: values.reseed ?? false,
        },
        io,
      );
    }
    case 'graph': {
      only(['format']);
      if (files.length !== 1) throw new UsageError('graph draws exactly one pipeline file');
      const format = values.format ?? 'mermaid';
      if (format !== 'mermaid' && format !== 'dot') throw new UsageError(`graph --format must be mermaid or dot, not '${format}'`);
      return (await import('./commands.js')).graphCommand(files[0]!, format, io);
    }
    case 'keys': {
      only(['scopes', 'file']);
      const [action, name, ...rest] = files;
      if (action !== 'add') throw new UsageError(`keys takes one action, add, not '${action ?? ''}'`);
      if (name === undefined || rest.length > 0) throw new UsageError('keys add takes exactly one key name');
      if (values.file === undefined) throw new UsageError('keys add needs --file, the key file the pipeline names in auth.api_keys.file');
      const scopes = (values.scopes ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      return (await import('./keys.js')).keysAddCommand(name, scopes, values.file, io);
    }
    case undefined:
      io.stdout(USAGE);
      return 2;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function diagnosticFormat(format: string | undefined): DiagnosticFormat {
  const chosen = format ?? 'text';
  if (chosen !== 'text' && chosen !== 'json' && chosen !== 'github') throw new UsageError(`--format must be text, json or github, not '${chosen}'`);
  return chosen;
}

/** The live source `introspect` and `init` read: exactly one of --url and --embedded. */
function liveOptions(values: { url?: string; embedded?: string; database?: string; tables?: string }) {
  if ((values.url === undefined) === (values.embedded === undefined)) throw new UsageError('name the source with exactly one of --url and --embedded');
  const connection =
    values.url !== undefined
      ? { url: values.url, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '' }
      : { embedded: resolve(values.embedded!) };
  return {
    connection,
    filter: { ...(values.database === undefined ? {} : { database: values.database }), ...(values.tables === undefined ? {} : { tables: values.tables }) },
  };
}
