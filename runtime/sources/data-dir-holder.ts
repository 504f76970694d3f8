import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Says which process holds an embedded data directory, or undefined when none can be named.
 * While the engine holds a directory it keeps `<dir>/status` locked, starting with `PID: <pid>`;
 * a second process cannot open the directory, and chDB only says "Failed to create connection".
 * A status file left by a process that was killed names a pid that no longer runs (the lock died
 * with it), so only a running pid is named.
 */
export function describeHolder(dir: string): string | undefined {
  const pid = statusPid(dir);
  if (pid === undefined || pid === process.pid || !isRunning(pid)) return undefined;
  const command = commandLine(pid);
  const parent = parentPid(pid);
  const dev = parent !== undefined && isMcpcDev(commandLine(parent)) ? parent : undefined;
  return (
    `another process holds it (pid ${pid}${command === undefined ? '' : `: ${command}`}), and the engine lets one process at a time use a data directory; ` +
    (dev === undefined
      ? 'stop that process (for `mcpc dev`, Ctrl-C in its terminal) and start again'
      : `it is the server of \`mcpc dev\` (pid ${dev}): stop \`mcpc dev\` (Ctrl-C in its terminal) and start again`) +
    ', or give this source another embedded path'
  );
}

function statusPid(dir: string): number | undefined {
  try {
    const match = /^PID:\s*(\d+)/m.exec(readFileSync(join(dir, 'status'), 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's arguments joined by spaces, when /proc lets us read them (Linux), at most 300 characters. */
function commandLine(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    if (text === '') return undefined;
    return text.length > 300 ? `${text.slice(0, 297)}...` : text;
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may itself hold spaces: state, ppid, ...
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** `node .../mcpc.js dev FILE` or `mcpc dev FILE`, as `mcpc dev` runs. */
function isMcpcDev(command: string | undefined): boolean {
  if (command === undefined) return false;
  const args = command.split(' ');
  const cli = args.findIndex((arg) => /^mcpc(\.js)?$/.test(basename(arg)));
  return cli >= 0 && args[cli + 1] === 'dev';
}
