import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { ANONYMOUS, type Principal } from '../contract/access.js';
import { healthReport } from '../health.js';
import { log } from '../log.js';
import { authInfoFor, serverFactory } from '../protocol/server-factory.js';
import type { Runtime } from '../runtime.js';

const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface HttpServing {
  url: string;
  close(): Promise<void>;
}

/**
 * Streamable HTTP at `/mcp` (2026-07-28 clients and, through the SDK's stateless fallback,
 * 2025-era clients, from one factory) and `/healthz`. Host and Origin headers are checked
 * before anything else, so a web page cannot reach a local server through DNS rebinding.
 */
export async function serveHttp(runtime: Runtime, host: string, port: number): Promise<HttpServing> {
  const handler = createMcpHandler(serverFactory(runtime, ANONYMOUS), {
    onerror: (error) => log.warn('request rejected', { error: error.message }),
  });
  const mcp = toNodeHandler(handler, { onerror: (error: Error) => log.error('mcp handler failed', { error: error.message }) });
  const { allowedHosts, allowedOrigins } = runtime.spec.http;
  const bound = host === '0.0.0.0' || host === '::' ? [] : [host.includes(':') ? `[${host}]` : host];
  const checkHost = hostHeaderValidation([...new Set([...LOCALHOST_NAMES, ...bound, ...allowedHosts])]);
  const checkOrigin = originValidation([...new Set([...LOCALHOST_NAMES, ...allowedOrigins.map(originHostname)])]);

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/mcp') {
      if (!checkHost(req, res) || !checkOrigin(req, res)) return;
      const caller = Object.assign(req, { auth: authInfoFor(identifyCaller(req)) });
      void mcp(caller as Parameters<typeof mcp>[0], res);
    } else if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!checkHost(req, res)) return;
      void answerHealth(runtime, res);
    } else {
      sendJson(res, 404, { error: `not found: the MCP endpoint is /mcp and health is /healthz` });
    }
  });
  await new Promise<void>((ready, failed) => {
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      ready();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/mcp`;
  return {
    url,
    async close() {
      await handler.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
    },
  };
}

/**
 * The caller of one HTTP request. This version has no authentication, so every HTTP caller is
 * anonymous; credentials, when they arrive, are read here, once per request.
 */
function identifyCaller(_req: IncomingMessage): Principal {
  return ANONYMOUS;
}

async function answerHealth(runtime: Runtime, res: ServerResponse): Promise<void> {
  const report = await healthReport(runtime);
  sendJson(res, report.status === 'ok' ? 200 : 503, report);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** `http://localhost:6274` → `localhost`; Origin checks compare hostnames, as the SDK guard does. */
function originHostname(origin: string): string {
  try {
    const { hostname } = new URL(origin);
    return hostname.includes(':') ? `[${hostname}]` : hostname;
  } catch {
    return origin;
  }
}
