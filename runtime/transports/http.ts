import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import type { Authenticator } from '../auth/authenticator.js';
import { healthReport } from '../health.js';
import { clientOf } from '../call/budgets.js';
import { log } from '../log.js';
import { guardMessage } from '../protocol/inbound-guard.js';
import { ANONYMOUS } from '../contract/access.js';
import { authInfoFor, serverFactory } from '../protocol/server-factory.js';
import type { LiveRuntime } from '../reload/live-runtime.js';
import type { Runtime } from '../runtime.js';
import { withoutSelfCancelled } from './batches.js';
import { BodyReader, refuse } from './http-body.js';
import { challenge, isMetadataPath, missingScopesFor, protectedResourceMetadata } from './http-auth.js';
import { corsHeaders, preflight } from './cors.js';

const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** On shutdown, how long answers already being written get to reach their callers. */
const RESPONSE_GRACE_MS = 2_000;

export interface HttpServing {
  url: string;
  /** Stops listening for new connections (shutdown's first step); requests under way go on. */
  stopAccepting(): void;
  close(): Promise<void>;
}

/**
 * Streamable HTTP at `/mcp` (2026-07-28 clients and, through the SDK's stateless fallback,
 * 2025-era clients, from one factory) and `/healthz`. Host and Origin headers are checked
 * before anything else, so a web page cannot reach a local server through DNS rebinding; the
 * body is read under the server's limits and every message guarded before the SDK parses it;
 * and every response ends, at the latest at a deadline past the longest a call can take.
 * What a new build may not change (runtime/reload/) is read once here: limits, http, auth, sources.
 * A changed list reaches 2026-07-28 clients on their `subscriptions/listen` streams; 2025-era
 * clients over stateless HTTP have no stream to receive it on, and see the change at their next list.
 */
export async function serveHttp(live: LiveRuntime, host: string, port: number, authenticator: Authenticator): Promise<HttpServing> {
  const runtime = live.current;
  const { limits } = runtime;
  const handler = createMcpHandler(serverFactory(live, ANONYMOUS), {
    onerror: (error) => log.warn('request rejected', { error: error.message }),
    maxRequestBodySize: limits.maxBodyBytes,
  });
  const unsubscribe = live.onChange((change) => {
    if (change.tools) handler.notify.toolsChanged();
    if (change.resources) handler.notify.resourcesChanged();
  });
  const mcp = toNodeHandler(handler, { onerror: reportHandlerError, maxRequestBodySize: limits.maxBodyBytes });
  const { allowedHosts, allowedOrigins } = runtime.spec.http;
  const bound = host === '0.0.0.0' || host === '::' ? [] : [host.includes(':') ? `[${host}]` : host];
  const checkHost = hostHeaderValidation([...new Set([...LOCALHOST_NAMES, ...bound, ...allowedHosts])]);
  const checkOrigin = originValidation([...new Set([...LOCALHOST_NAMES, ...allowedOrigins.map(originHostname)])]);
  const bodies = new BodyReader(limits);
  const longestSourceS = Math.max(0, ...Object.values(runtime.spec.sources).map((s) => s.limits.maxExecutionTimeS));
  // Streams run longer than one query may: up to the server's stream time limit.
  const responseDeadlineMs = (Math.max(longestSourceS, limits.streamTimeoutS) + 30) * 1000 + limits.queueTimeoutMs;

  const serveMcp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!checkHost(req, res) || !checkOrigin(req, res)) return;
    if (req.method === 'OPTIONS') {
      preflight(req, res);
      return;
    }
    for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value);
    // Identified before the body is read: a bad or missing token costs no body, no parse, no work.
    const identity = await authenticator.identify(req.headers.authorization);
    if (!identity.ok) {
      refuse(res, 401, `unauthorized: ${identity.reason}`, challenge(req, runtime.spec.auth, identity));
      return;
    }
    const { principal } = identity;
    const address = req.socket.remoteAddress ?? 'unknown';
    const caller = Object.assign(req, { auth: authInfoFor(principal, address, res, clientOf(runtime.spec.budgets, req.headers, address)) });
    if (req.method !== 'POST') {
      await mcp(caller as Parameters<typeof mcp>[0], res);
      return;
    }
    const text = await bodies.read(req, res);
    if (text === undefined) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      refuse(res, 400, 'Parse error: the request body is not JSON');
      return;
    }
    const missing = missingScopesFor(live.current, principal, message);
    if (missing) {
      refuse(
        res,
        403,
        `forbidden: the token lacks scope ${missing.join(' ')}`,
        challenge(req, runtime.spec.auth, { error: 'insufficient_scope', scope: missing }),
      );
      return;
    }
    const guarded = guardMessage(message, limits.maxArgumentDepth);
    message = withoutSelfCancelled(guarded);
    if (message !== guarded && Array.isArray(message) && message.length === 0) {
      // A batch of only requests that cancel themselves: nothing to answer (JSON-RPC says: no empty array).
      res.writeHead(202).end();
      return;
    }
    // Whatever happens inside, the response ends: a request that outlives every call it could make is closed.
    const deadline = setTimeout(() => {
      if (res.writableEnded) return;
      log.warn('response passed its deadline; closing it', { deadline_ms: responseDeadlineMs });
      res.destroy();
    }, responseDeadlineMs);
    res.once('close', () => clearTimeout(deadline));
    await mcp(caller as Parameters<typeof mcp>[0], res, message);
  };

  // Responses under way, so shutdown can let the last answers reach their callers before it closes connections.
  let responding = 0;
  let drained: (() => void) | undefined;
  const server = createServer(
    {
      // Clients get this long to send a request's headers, and its whole body; a stalled upload is closed.
      headersTimeout: Math.min(10_000, limits.requestTimeoutS * 1000),
      requestTimeout: limits.requestTimeoutS * 1000,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      responding++;
      res.once('close', () => {
        if (--responding === 0) drained?.();
      });
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path === '/mcp') {
        serveMcp(req, res).catch((error: unknown) => reportHandlerError(error as Error));
      } else if (isMetadataPath(path, runtime.spec.auth, req) && (req.method === 'GET' || req.method === 'HEAD')) {
        if (!checkHost(req, res)) return;
        // Public by design (RFC 9728): any origin may read it, so browser clients can find the authorization server.
        res.setHeader('access-control-allow-origin', '*');
        sendJson(res, 200, protectedResourceMetadata(req, runtime.spec.auth!, runtime.spec.name));
      } else if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
        if (!checkHost(req, res)) return;
        void answerHealth(live.current, res);
      } else {
        sendJson(res, 404, { error: `not found: the MCP endpoint is /mcp and health is /healthz` });
      }
    },
  );
  await new Promise<void>((ready, failed) => {
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      ready();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/mcp`;
  let closed: Promise<void> | undefined;
  const stopListening = () => {
    closed ??= new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections();
    return closed;
  };
  return {
    url,
    stopAccepting: () => void stopListening(),
    async close() {
      unsubscribe();
      const done = stopListening();
      // Calls are over (shutdown waited for them, or cancelled them); their answers may still be on their way out.
      if (responding > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise((resolve) => (timer = setTimeout(resolve, RESPONSE_GRACE_MS)))]);
        clearTimeout(timer);
      }
      await handler.close();
      // Calls were given their time before this: what is still open (an idle keep-alive, a stream) is closed now.
      server.closeAllConnections();
      await done;
    },
  };
}

/** A client that went away mid-response is not a server failure; anything else is. */
function reportHandlerError(error: Error): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || error.name === 'AbortError') {
    log.info('client went away during a request', { error: error.message });
  } else {
    log.error('mcp handler failed', { error: error.message });
  }
}

async function answerHealth(runtime: Runtime, res: ServerResponse): Promise<void> {
  const report = await healthReport(runtime);
  // A degraded server still serves (other sources, pages instead of streams); an unhealthy one cannot.
  sendJson(res, report.status === 'unhealthy' ? 503 : 200, report);
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
