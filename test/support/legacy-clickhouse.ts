// Starts a throwaway ClickHouse 18.16 (Debian bookworm's `clickhouse-server`)
// so tests can prove the runtime refuses a server too old to bind query
// parameters. Query parameters arrived in ClickHouse 19.11.3.11; anything older
// counts as legacy here.
//
// CI installs the package with .ci/install-legacy-clickhouse.sh. Elsewhere a
// missing package is a skip, not a failure; under CI it is an error, so a
// broken install step cannot turn the test silently green.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, stopProcess } from './processes.js';

export interface LegacyClickHouse {
  url: string;
  version: string;
  stop(): Promise<void>;
}

// 18.16 answers /ping within ~0.2-0.6 s here; the margin is for a loaded CI box.
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
// First release with `{name:Type}` placeholders and `param_<name>` over HTTP.
const FIRST_WITH_QUERY_PARAMS: readonly [number, number] = [19, 11];

export async function startLegacyClickHouse(): Promise<LegacyClickHouse | { skipped: string }> {
  const bin = await findServerBinary();
  if (!bin) {
    return skip('clickhouse-server is not installed (run .ci/install-legacy-clickhouse.sh)');
  }

  const dir = await mkdtemp(join(tmpdir(), 'mcpc-legacy-ch-'));
  const port = await freePort();
  await writeFile(join(dir, 'config.xml'), serverConfig(dir, port));
  await writeFile(join(dir, 'users.xml'), USERS_XML);

  // Runs as the current user, root included: 18.16 does not insist on the
  // `clickhouse` account, and every path it writes is inside `dir`.
  const child = spawn(bin.command, [...bin.args, `--config-file=${join(dir, 'config.xml')}`], {
    cwd: dir,
    detached: false,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Startup failures before the logger is up (bad config, port taken) only
  // reach stderr; keep its tail for the error message, and keep draining it
  // so a chatty server can never block on a full pipe.
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  // Settles once, whether the server exits or could not be spawned at all.
  const exited: Promise<string> = once(child, 'exit').then(
    ([code, signal]) => `exited (${signal ?? `code ${code}`})`,
    (err: Error) => `could not be spawned: ${err.message}`,
  );
  // If the test process ends without calling stop(), don't leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('exit', killOnExit);
      // ~0.9 s normally, up to keep_alive_timeout if a client left a socket open.
      await stopProcess(child, STOP_GRACE_MS);
      await rm(dir, { recursive: true, force: true });
    })());

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForPing(url, exited);
    const version = await queryText(url, 'SELECT version()');
    if (!isLegacy(version)) {
      await stop();
      return skip(`${bin.command} is ClickHouse ${version}, which already supports query parameters`);
    }
    return { url, version, stop };
  } catch (err) {
    const log = await readFile(join(dir, 'log', 'clickhouse-server.err.log'), 'utf8').catch(() => '');
    await stop();
    const detail = [stderrTail, log.slice(-4000)].filter((s) => s.trim()).join('\n');
    throw new Error(`legacy ClickHouse (${bin.command}) did not start: ${(err as Error).message}\n${detail}`, {
      cause: err,
    });
  }
}

function skip(reason: string): { skipped: string } {
  const ci = process.env.CI;
  if (ci && ci !== 'false' && ci !== '0') throw new Error(`legacy ClickHouse unavailable in CI: ${reason}`);
  return { skipped: reason };
}

interface ServerBinary {
  command: string;
  args: string[];
}

// Debian ships /usr/sbin/clickhouse-server, which is not on a non-root PATH;
// upstream packages ship one `clickhouse` multi-call binary instead.
async function findServerBinary(): Promise<ServerBinary | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/bin'];
  for (const [name, args] of [
    ['clickhouse-server', []],
    ['clickhouse', ['server']],
  ] as const) {
    for (const d of dirs) {
      const command = join(d, name);
      if (await isExecutable(command)) return { command, args: [...args] };
    }
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// HTTP only, on loopback: no tcp_port or interserver port, so there is a single
// port to collide on. `<yandex>` is the root element that 18.16 understands.
// On SIGTERM 18.16 waits for every open HTTP connection, idle keep-alive ones
// included, until keep_alive_timeout closes it; 3 s (Debian's packaged value)
// bounds that wait yet stays above @clickhouse/client's 2.5 s idle-socket TTL,
// so the client never reuses a socket the server has just dropped.
function serverConfig(dir: string, port: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/clickhouse-server.log</log>
    <errorlog>${dir}/log/clickhouse-server.err.log</errorlog>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${port}</http_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <keep_alive_timeout>3</keep_alive_timeout>
  <mark_cache_size>67108864</mark_cache_size>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default/></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default/></quotas>
</yandex>
`;

// Our own probes must not leave idle sockets behind: each one would hold up
// the server's shutdown (see keep_alive_timeout above).
const NO_KEEP_ALIVE = { connection: 'close' };

async function waitForPing(url: string, exited: Promise<string>): Promise<void> {
  let exitReason: string | undefined;
  void exited.then((reason) => (exitReason = reason));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitReason) throw new Error(`server ${exitReason} during startup`);
    try {
      const res = await fetch(`${url}/ping`, { headers: NO_KEEP_ALIVE, signal: AbortSignal.timeout(1_000) });
      if (res.ok && (await res.text()).trim() === 'Ok.') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer on ${url}/ping within ${READY_TIMEOUT_MS / 1000} s`);
}

async function queryText(url: string, sql: string): Promise<string> {
  const res = await fetch(`${url}/?query=${encodeURIComponent(sql)}`, {
    headers: NO_KEEP_ALIVE,
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.text()).trim();
  if (!res.ok) throw new Error(`${sql} failed with HTTP ${res.status}: ${body}`);
  return body;
}

function isLegacy(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [fMajor, fMinor] = FIRST_WITH_QUERY_PARAMS;
  return major < fMajor || (major === fMajor && minor < fMinor);
}
