import { closeSync, fstatSync, openSync, statSync } from 'node:fs';

/**
 * Makes this process's fd 0 the null device before the embedded engine opens. chDB reads fd 0 as
 * external data for every INSERT (chdb-io/chdb-core#239): with data waiting there, an
 * `INSERT ... VALUES` fails ("both inlined and external data"), and with `async_insert=0` it
 * inserts those bytes as rows. Whatever fd 0 carries (a pipe into an HTTP server, a terminal) is
 * not the engine's to read, and Node cannot dup() it away, so it is closed and the null device
 * opened in its place (open takes the lowest free descriptor, 0). A stdio server never gets here
 * with the protocol on fd 0: it runs the engine in a child whose fd 0 is already the null device.
 * Call it only before anything reads fd 0 (nothing in a server does but the stdio launcher).
 */
export function detachStdin(): void {
  if (isNullDevice(0)) return;
  try {
    closeSync(0);
  } catch {
    // Already closed: the open below takes descriptor 0 all the same.
  }
  const fd = openSync('/dev/null', 'r');
  if (fd !== 0) {
    closeSync(fd);
    throw new Error(`could not put the null device on stdin (it opened as descriptor ${fd})`);
  }
}

function isNullDevice(fd: number): boolean {
  try {
    const stdin = fstatSync(fd);
    const nullDevice = statSync('/dev/null');
    return stdin.isCharacterDevice() && stdin.rdev === nullDevice.rdev;
  } catch {
    return false;
  }
}
