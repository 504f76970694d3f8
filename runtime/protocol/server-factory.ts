import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Server, type AuthInfo, type McpServerFactory, type Tool } from '@modelcontextprotocol/server';
import { callTool } from '../call/call-tool.js';
import type { CallContext } from '../call/context.js';
import { readResource } from '../call/read-resource.js';
import type { Principal } from '../contract/access.js';
import type { LiveRuntime } from '../reload/live-runtime.js';
import { listCacheHints } from './cache-hints.js';
import { REFUSAL_META_KEY, RefusedArguments } from './inbound-guard.js';
import { callKey } from './inflight.js';

/** Where a transport puts the caller it resolved, and where the caller connects from, in the SDK's pass-through `authInfo`. */
const PRINCIPAL_KEY = 'mcpc/principal';
const CLIENT_KEY = 'mcpc/client';
const RESPONSE_KEY = 'mcpc/response';
/** Where the caller comes from as budgets tell anonymous callers apart, when not its address. */
const BUDGET_CLIENT_KEY = 'mcpc/budget-client';

/**
 * `authInfo` that carries a caller the transport resolved (HTTP sets it per request as `req.auth`),
 * and the HTTP response, whose buffer tells a stream when its client reads slowly.
 */
export function authInfoFor(principal: Principal, client: string, response?: ServerResponse, budgetClient?: string): AuthInfo {
  return {
    token: '',
    clientId: principal.id,
    scopes: [...principal.scopes],
    extra: {
      [PRINCIPAL_KEY]: principal,
      [CLIENT_KEY]: client,
      ...(response ? { [RESPONSE_KEY]: response } : {}),
      ...(budgetClient === undefined || budgetClient === client ? {} : { [BUDGET_CLIENT_KEY]: budgetClient }),
    },
  };
}

/**
 * The per-request server factory both transports use (HTTP calls it per request, stdio per
 * connection). The caller is the principal the transport attached to the request, or the
 * transport's own (the operator over stdio). It uses the SDK's low-level `Server` so that a
 * request costs a handful of handler registrations whatever the number of tools: list payloads,
 * schemas and validators were built once at start. `McpServer` would re-register every tool per request.
 * Each request takes the runtime serving when it starts (a stdio connection's one instance outlives
 * builds), and keeps it to its end: a call in flight when a new build is swapped in finishes on its own.
 */
export function serverFactory(live: LiveRuntime, transportPrincipal: Principal): McpServerFactory {
  return (request) => {
    const principal = (request.authInfo?.extra?.[PRINCIPAL_KEY] as Principal | undefined) ?? transportPrincipal;
    const client = (request.authInfo?.extra?.[CLIENT_KEY] as string | undefined) ?? 'stdio';
    const response = request.authInfo?.extra?.[RESPONSE_KEY] as ServerResponse | undefined;
    const budgetClient = (request.authInfo?.extra?.[BUDGET_CLIENT_KEY] as string | undefined) ?? client;
    // Over HTTP, a client that goes away (a closed stream) cancels what it asked for, whatever the
    // SDK does with the request; `notifications/cancelled` cancels through the SDK's own signal.
    const connection = request.requestInfo?.signal;
    const context = (signal: AbortSignal, progress?: CallContext['progress']): CallContext => ({
      requestId: randomUUID(),
      principal,
      client: budgetClient,
      signal: connection ? AbortSignal.any([signal, connection]) : signal,
      startedAt: performance.now(),
      ...(progress ? { progress } : {}),
    });
    const { spec } = live.current;
    const server = new Server(
      { name: spec.name, version: spec.version },
      {
        // A new build (runtime/reload/) and tables found by a pattern change the lists while clients stay connected.
        capabilities: { tools: { listChanged: true }, resources: { listChanged: true } },
        ...(spec.instructions === undefined ? {} : { instructions: spec.instructions }),
        cacheHints: listCacheHints(spec),
      },
    );
    server.setRequestHandler('tools/list', (request) => {
      const page = live.current.catalog.viewFor(principal).toolPages.page(request.params?.cursor);
      // The compiler emits every input schema as an object schema; the SDK's type wants that spelled out.
      return { tools: [...page.items] as unknown as Tool[], ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
    });
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const runtime = live.current;
      const refused = request.params._meta?.[REFUSAL_META_KEY];
      const args = typeof refused === 'string' ? new RefusedArguments(refused) : request.params.arguments;
      const token = request.params._meta?.progressToken;
      const progress =
        token === undefined
          ? undefined
          : (done: number, total: number, message: string) =>
              void ctx.mcpReq
                .notify({ method: 'notifications/progress', params: { progressToken: token, progress: done, total, message } })
                .catch(() => undefined);
      const inflight = runtime.inflight.begin(callKey(principal.id, client, ctx.mcpReq.id));
      const signal = AbortSignal.any([ctx.mcpReq.signal, inflight.signal]);
      const partial = partialSender(request.params._meta, ctx, response, signal);
      try {
        // Tracing needs the JSON-RPC request: its id, and the caller's trace context in `_meta`.
        const rpc = runtime.telemetry
          ? {
              rpc: {
                id: ctx.mcpReq.id,
                ...(request.params._meta ? { meta: request.params._meta } : {}),
                ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
                ...(client === 'stdio' ? {} : { client }),
              },
            }
          : {};
        const result = await callTool(runtime, { ...context(signal, progress), ...(partial ? { partial } : {}), ...rpc }, request.params.name, args);
        return server.projectCallToolResult(result, runtime.tools.get(request.params.name)?.outputSchema);
      } finally {
        inflight.end();
      }
    });
    // A cancellation may arrive on another request than its call's (stateless HTTP): find the call by who asked and its id.
    server.setNotificationHandler('notifications/cancelled', (notification) => {
      live.current.inflight.cancel(callKey(principal.id, client, notification.params.requestId), notification.params.reason ?? 'cancelled by the client');
    });
    server.setRequestHandler('resources/list', (request) => {
      const page = live.current.catalog.viewFor(principal).resourcePages.page(request.params?.cursor);
      return { resources: [...page.items], ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
    });
    server.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: [] }));
    server.setRequestHandler('resources/read', (request, ctx) => readResource(live.current, context(ctx.mcpReq.signal), request.params.uri));
    return server;
  };
}

/** The `_meta` key of a call's capabilities under the 2026-07-28 protocol, and the capability partial results need. */
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

type NotifyContext = { mcpReq: { notify(notification: { method: string; params?: Record<string, unknown> }): Promise<void>; envelope?: unknown } };

/**
 * Partial results (SEP-2998, a draft): sent only for a call that carries a `partialResultToken`
 * and, when the client states its capabilities per request, declares `partialResults`. Each
 * batch waits until the client has taken the last: over stdio the transport waits for the pipe
 * to drain; over HTTP the SDK queues without bound, so the response's own buffer is watched.
 */
function partialSender(
  meta: Record<string, unknown> | undefined,
  ctx: NotifyContext,
  response: ServerResponse | undefined,
  signal: AbortSignal,
): CallContext['partial'] | undefined {
  const token = meta?.partialResultToken;
  if (typeof token !== 'string' && typeof token !== 'number') return undefined;
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const capabilities = envelope?.[CLIENT_CAPABILITIES_KEY] as Record<string, unknown> | undefined;
  if (capabilities !== undefined && capabilities.partialResults === undefined) return undefined;
  let seq = 0;
  return async (structured) => {
    await drained(response, signal);
    await ctx.mcpReq.notify({
      method: 'notifications/tools/partial_result',
      // Structured only: a client that takes partial results reads them as data, and the rows
      // are not sent twice (the final result carries the text for every client).
      params: { partialResultToken: token, seq: seq++, structuredContent: structured },
    });
  };
}

/** Resolves when the HTTP response can take more (or is gone, or the call is cancelled). */
function drained(response: ServerResponse | undefined, signal: AbortSignal): Promise<void> {
  if (!response?.writableNeedDrain || response.destroyed || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
    signal.addEventListener('abort', done);
  });
}
