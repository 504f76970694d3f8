import type { Readable } from 'node:stream';
import type { McpServerFactory, Server } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Principal } from '../contract/access.js';
import { log } from '../log.js';
import { guardTransport } from '../protocol/inbound-guard.js';
import { serverFactory } from '../protocol/server-factory.js';
import type { LiveRuntime } from '../reload/live-runtime.js';

/**
 * MCP over stdio for a client that launched this process: the local operator, who sees every
 * resource, or the caller of the token the client gave in the environment. The protocol is read from `input` (the client's stdin, which the stdio launcher
 * hands this process on another descriptor than 0) and written to stdout. Resolves `closed`
 * when the client closes its end, so the caller can shut down. A changed list is sent to the
 * connection's instance, which delivers it as the client's era expects: unsolicited (2025), or on
 * its `subscriptions/listen` streams (2026-07-28).
 */
export function serveStdioTransport(live: LiveRuntime, input: Readable, caller: Principal): { closed: Promise<void>; close(): Promise<void> } {
  const factory = serverFactory(live, caller);
  // The connection's instance, and the probe of a `server/discover` that the client may drop: at most two.
  const instances = new Set<Server>();
  const tracked: McpServerFactory = async (context) => {
    const server = (await factory(context)) as Server;
    instances.add(server);
    server.onclose = () => instances.delete(server);
    return server;
  };
  const unsubscribe = live.onChange((change) => {
    for (const server of instances) {
      if (change.tools) server.sendToolListChanged().catch(() => undefined);
      if (change.resources) server.sendResourceListChanged().catch(() => undefined);
    }
  });
  const handle = serveStdio(tracked, {
    transport: guardTransport(new StdioServerTransport(input, process.stdout), live.current.limits.maxArgumentDepth),
    onerror: (error) => log.warn('stdio message rejected', { error: error.message }),
  });
  const closed = new Promise<void>((done) => {
    input.once('end', () => done());
    input.once('close', () => done());
  });
  return {
    closed,
    close: () => {
      unsubscribe();
      return handle.close();
    },
  };
}
