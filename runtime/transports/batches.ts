type Message = { id?: unknown; method?: unknown; params?: { requestId?: unknown } };

/**
 * A 2025-era JSON-RPC batch may hold a request and a `notifications/cancelled` for that same
 * request. The SDK then never answers the request (a cancelled request gets no response), so
 * the HTTP response would wait for it forever. Such a request is cancelled before it starts:
 * both it and its cancellation are dropped from the batch, as the spec has a cancelled request
 * go unanswered. What remains is served as usual; an empty batch needs no answer at all.
 */
export function withoutSelfCancelled(message: unknown): unknown {
  if (!Array.isArray(message)) return message;
  const items = message as Message[];
  const requestIds = new Set(items.filter((m) => m?.id !== undefined && m?.method !== undefined).map((m) => m.id));
  const cancelled = new Set(
    items.filter((m) => m?.method === 'notifications/cancelled' && requestIds.has(m.params?.requestId)).map((m) => m.params?.requestId),
  );
  if (cancelled.size === 0) return message;
  return items.filter(
    (m) =>
      !(m?.method !== undefined && m.id !== undefined && cancelled.has(m.id)) &&
      !(m?.method === 'notifications/cancelled' && cancelled.has(m.params?.requestId)),
  );
}
