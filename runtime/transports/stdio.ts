import type { Readable } from 'node:stream';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Principal } from '../contract/access.js';
import { log } from '../log.js';
import { guardTransport } from '../protocol/inbound-guard.js';
import { serverFactory } from '../protocol/server-factory.js';
import type { Runtime } from '../runtime.js';

/**
 * MCP over stdio for a client that launched this process: the local operator, who sees every
 * resource, or the caller of the token the client gave in the environment. The protocol is read from `input` (the client's stdin, which the stdio launcher
 * hands this process on another descriptor than 0) and written to stdout. Resolves `closed`
 * when the client closes its end, so the caller can shut down.
 */
export function serveStdioTransport(runtime: Runtime, input: Readable, caller: Principal): { closed: Promise<void>; close(): Promise<void> } {
  const handle = serveStdio(serverFactory(runtime, caller), {
    transport: guardTransport(new StdioServerTransport(input, process.stdout), runtime.limits.maxArgumentDepth),
    onerror: (error) => log.warn('stdio message rejected', { error: error.message }),
  });
  const closed = new Promise<void>((done) => {
    input.once('end', () => done());
    input.once('close', () => done());
  });
  return { closed, close: () => handle.close() };
}
