import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers a browser client of MCP sends; anything else in a preflight is not granted. */
const ALLOWED_HEADERS = ['content-type', 'accept', 'authorization', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id'];

/**
 * CORS headers for a request whose Origin already passed the server's origin check (so only
 * allowed browser origins ever see them); none for requests without an Origin.
 */
export function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'mcp-session-id, mcp-protocol-version, www-authenticate' };
}

/**
 * Answers a browser's preflight (`OPTIONS`) from an allowed origin, so a web client (the MCP
 * Inspector, say) can connect; the origin check before it has already refused other origins.
 */
export function preflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = String(req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const refusedHeaders = requested.filter((h) => !ALLOWED_HEADERS.includes(h));
  if (refusedHeaders.length > 0) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end(`headers not allowed: ${refusedHeaders.join(', ')}`);
    return;
  }
  res.writeHead(204, {
    ...corsHeaders(req),
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
    'access-control-max-age': '600',
  });
  res.end();
}
