import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '../log.js';

export interface BodyLimits {
  maxBodyBytes: number;
  maxPendingBodies: number;
}

/**
 * Reads request bodies under the server's limits: a body declared larger than the limit is
 * refused before a byte of it is read (413); one that grows past it is cut off; no more than
 * `maxPendingBodies` are received at once (503), so slow uploads cannot pile up memory; and a
 * client that stalls is closed by the server's request timeout (Node's `requestTimeout`). A
 * client that gives up mid-upload is not a server error and is logged as what it is.
 */
export class BodyReader {
  private pending = 0;

  constructor(private readonly limits: BodyLimits) {}

  /** The body as text, or undefined when the request was already answered or has gone. */
  async read(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.limits.maxBodyBytes) {
      refuse(res, 413, `request body of ${declared} bytes is over the limit of ${this.limits.maxBodyBytes}`);
      return undefined;
    }
    if (this.pending >= this.limits.maxPendingBodies) {
      refuse(res, 503, `too many request bodies are being received at once (${this.limits.maxPendingBodies}); retry shortly`, { 'retry-after': '1' });
      return undefined;
    }
    this.pending++;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.limits.maxBodyBytes) {
          refuse(res, 413, `request body is over the limit of ${this.limits.maxBodyBytes} bytes`);
          return undefined;
        }
        chunks.push(chunk);
      }
      return Buffer.concat(chunks, size).toString('utf8');
    } catch (error) {
      // The client closed the connection mid-upload, or the server's request timeout closed it.
      log.info('request body not received', { reason: (error as Error).message });
      if (!res.headersSent && !res.destroyed) refuse(res, 408, 'the request body was not received in time');
      return undefined;
    } finally {
      this.pending--;
    }
  }
}

/** Answers with a JSON-RPC error (id null: the request was never read) and closes the connection. */
export function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: status === 400 ? -32700 : -32000, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close', ...headers });
  res.end(body);
}
