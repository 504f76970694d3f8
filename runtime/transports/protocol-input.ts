import { createReadStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { isatty, ReadStream as TtyReadStream } from 'node:tty';

/**
 * A readable stream over the descriptor that carries the protocol's input, chosen by what the
 * descriptor is, as Node chooses for its own stdin: a pipe or socket (clients spawn servers with
 * one or the other) is read as a socket, a terminal as a terminal, anything else (a file of
 * requests) as a file.
 */
export function openProtocolInput(fd: number): Readable {
  if (isatty(fd)) return new TtyReadStream(fd);
  const stat = fstatSync(fd);
  if (stat.isFIFO() || stat.isSocket()) return new Socket({ fd, readable: true, writable: false });
  return createReadStream('', { fd });
}
