import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { renderDiagnostics, summarize } from '../diagnostics/render.js';
import { SqlChecker } from '../analyze/sql-checker.js';
import { ANONYMOUS, mayAccess } from '../../runtime/contract/access.js';
import type { BuildOutput } from '../emit/emit.js';
import { compileFile, displayPath } from './compile-file.js';
import { withServerJs, type Io } from './commands.js';
import { writeBuild } from './output-files.js';

export interface DevOptions {
  outRoot: string;
  host?: string;
  port?: number;
  /** Start the first server with `--reseed`: its embedded databases are emptied and seeded again. */
  reseed?: boolean;
}

/**
 * `mcpc dev FILE`: build, serve over HTTP on the embedded engine (the server seeds an empty
 * database itself, or every one with `--reseed`, on the first start only), and rebuild and
 * restart whenever the pipeline or its seed files change.
 * A broken edit prints its diagnostics and leaves the last good server running.
 */
export async function devCommand(file: string, options: DevOptions, io: Io): Promise<number> {
  const sql = await SqlChecker.open();
  let server: ChildProcess | undefined;
  let current: BuildOutput | undefined;
  let serverFile = '';
  let watchers: FSWatcher[] = [];
  // Only the first start reseeds: a restart after an edit must not drop the data again.
  let reseed = options.reseed ?? false;

  const rebuild = async (): Promise<void> => {
    const result = await compileFile(file, sql, { outRoot: options.outRoot });
    const rendered = renderDiagnostics(result.diagnostics, 'text', result.texts);
    if (rendered !== '') io.stderr(rendered);
    if (hasErrors(result.diagnostics) || !result.output || !result.ir) {
      const { errors } = summarize(result.diagnostics);
      io.stderr(
        `${errors} ${errors === 1 ? 'error' : 'errors'}; ${server ? 'the previous build keeps serving' : 'nothing is served'} until the file is fixed\n`,
      );
      return;
    }
    if (current && sameBuild(current, result.output)) return;
    const build = withServerJs(result.file, result.output);
    const dir = join(options.outRoot, result.ir.name);
    await stop(server);
    writeBuild(dir, build);
    current = result.output;
    serverFile = join(dir, 'server.js');
    const host = options.host ?? result.ir.http.host;
    const port = options.port ?? result.ir.http.port;
    server = start(serverFile, host, port, reseed);
    reseed = false;
    watchers = rewatch(watchers, [resolve(file), ...result.ir.sources.flatMap((s) => (s.seed ? [resolve(dirname(file), s.seed.path)] : []))], schedule);
    const origin = httpOrigin(host, port);
    if (await waitForHealth(origin, server)) {
      const url = `${origin}/mcp`;
      const hidden = [...result.ir.tools, ...result.ir.pipelines].filter((tool) => !mayAccess(ANONYMOUS, tool)).map((tool) => tool.name);
      const banner = [
        ``,
        `mcpc dev: serving '${result.ir.name}' (${result.ir.tools.length + result.ir.pipelines.length} tools) from ${displayPath(dir)}/`,
        `  MCP endpoint   ${url}`,
        ...(hidden.length === 0
          ? []
          : result.ir.auth === undefined
            ? [`  note           HTTP callers are anonymous; tools over authenticated resources (${hidden.join(', ')}) are served over stdio only`]
            : [
                `  note           HTTP callers without a token are anonymous; tools over authenticated resources (${hidden.join(', ')}) need`,
                `                 a token with their scopes (Authorization: Bearer ...), or stdio as the local operator`,
              ]),
        `  health         ${origin}/healthz`,
        `  connect        npx @modelcontextprotocol/inspector   (Streamable HTTP, URL above)`,
        `                 claude mcp add --transport http ${result.ir.name} ${url}`,
        `  watching ${displayPath(file)} for changes; Ctrl-C stops`,
        ``,
      ];
      io.stderr(`${banner.join('\n')}\n`);
    }
  };

  let pending: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  function schedule(): void {
    clearTimeout(timer);
    // Editors save in bursts (write, rename, chmod); rebuild once they settle.
    timer = setTimeout(() => {
      pending = pending.then(rebuild).catch((error: unknown) => io.stderr(`mcpc dev: ${(error as Error).message}\n`));
    }, 150);
  }

  await rebuild();
  if (watchers.length === 0) watchers = rewatch(watchers, [resolve(file)], schedule);

  await new Promise<void>((done) => {
    const shutdown = () => done();
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  clearTimeout(timer);
  for (const watcher of watchers) watcher.close();
  await pending;
  await stop(server);
  sql.close();
  return 0;
}

function sameBuild(a: BuildOutput, b: BuildOutput): boolean {
  return a.size === b.size && [...a].every(([name, content]) => b.get(name) === content);
}

function start(serverFile: string, host: string, port: number, reseed: boolean): ChildProcess {
  const args = [serverFile, '--transport', 'http', '--host', host, '--port', String(port), ...(reseed ? ['--reseed'] : [])];
  return spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  // A server that ignores SIGTERM for 5 s is killed; the timer must not outlive a prompt exit.
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

/** `http://host:port`, with an IPv6 host in brackets. */
function httpOrigin(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Polls /healthz until the server answers, it exits, or a minute passes. */
async function waitForHealth(origin: string, child: ChildProcess): Promise<boolean> {
  const url = `${origin}/healthz`;
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      return true;
    } catch {
      await sleep(100);
    }
  }
  return false;
}

/** Watches the directories of the given files (editors replace files on save) and reports changes to them. */
function rewatch(old: FSWatcher[], files: string[], onChange: () => void): FSWatcher[] {
  for (const watcher of old) watcher.close();
  const byDir = new Map<string, Set<string>>();
  for (const file of files) {
    const names = byDir.get(dirname(file)) ?? new Set<string>();
    names.add(basename(file));
    byDir.set(dirname(file), names);
  }
  return [...byDir].map(([dir, names]) =>
    watch(dir, (_event, name) => {
      if (name !== null && names.has(name.toString())) onChange();
    }),
  );
}
