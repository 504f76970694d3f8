import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP exchange with full control of the headers (fetch does not allow Host), resolved with
 * what the server answered even when it closes the connection before the client finished
 * sending: a server that refuses early is what several tests look for.
 */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let answered: RawResponse | undefined;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: options.method ?? 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...options.headers },
      },
      (res) => {
        answered = { status: res.statusCode ?? 0, headers: res.headers, body: '' };
        res.on('data', (chunk: Buffer) => (answered!.body += chunk.toString()));
        res.on('end', () => resolve(answered!));
        res.on('error', () => resolve(answered!));
      },
    );
    req.on('error', (error) => (answered ? resolve(answered) : reject(error)));
    req.end(options.body);
  });
}

/** The headers a 2025-era MCP client sends with a JSON-RPC POST. */
export const LEGACY_HEADERS = { 'mcp-protocol-version': '2025-11-25' };

/** The JSON-RPC result inside an SSE or JSON response body. */
export function rpcResult(body: string): {
  result?: { isError?: boolean; content?: Array<{ text: string }>; _meta?: Record<string, unknown>; structuredContent?: unknown };
} {
  const data = body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
  return JSON.parse(data[0] ?? body) as ReturnType<typeof rpcResult>;
}
