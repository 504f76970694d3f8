import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { OPERATOR } from '../contract/access.js';
import { log } from '../log.js';
import { serverFactory } from '../protocol/server-factory.js';
import type { Runtime } from '../runtime.js';

/**
 * MCP over stdin/stdout for a client that launched this process: the local operator, who sees
 * every resource. Resolves when the client closes stdin, so the caller can shut down.
 */
export function serveStdioTransport(runtime: Runtime): { closed: Promise<void>; close(): Promise<void> } {
  const handle = serveStdio(serverFactory(runtime, OPERATOR), {
    onerror: (error) => log.warn('stdio message rejected', { error: error.message }),
  });
  const closed = new Promise<void>((done) => {
    process.stdin.once('end', () => done());
    process.stdin.once('close', () => done());
  });
  return { closed, close: () => handle.close() };
}
