import type { Session } from 'chdb';
import type { Row } from '../contract/query-result.js';
import { log } from '../log.js';
import { markedSql, type StreamRequest } from './source.js';

/**
 * Streamed reads on embedded ClickHouse: chDB's `Session.queryStreamBind`, which binds the
 * params server-side and hands the result over a block at a time, the engine pausing when the
 * consumer does not pull. The client adapter (`chdb/connection`) buffers whole results and cannot
 * bind a stream's params, so streams use sessions of their own on the same data directory, each
 * prepared like the read connections (the same limits, readonly last) and running one stream at
 * a time (chDB allows one per session); idle ones are kept for the next stream.
 */
export class EmbeddedStreams {
  private readonly idle: Session[] = [];
  private readonly all = new Set<Session>();

  constructor(
    private readonly open: () => Promise<Session>,
    /** Stops the query marked so, when a block is being read as the stream is cancelled. */
    private readonly kill: (mark: string) => Promise<void>,
  ) {}

  async *stream(request: StreamRequest): AsyncIterable<Row[]> {
    if (request.signal?.aborted) throw request.signal.reason;
    const session = this.idle.pop() ?? (await this.create());
    // The same mark as reads, so a cancel that arrives while the engine reads a block stops it.
    const { mark, text } = markedSql(request);
    const stream = session.queryStreamBind(text, request.params, { format: 'JSONEachRow' });
    let broken = false;
    const onAbort = () => {
      stream.cancel();
      // A cancel waits for the block being read; a long one is killed, which leaves chDB's stream
      // half-closed on that session (its query lingers until the session closes): the session is dropped.
      const timer = setTimeout(() => {
        broken = true;
        void this.kill(mark);
      }, 200);
      timer.unref();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of stream) {
        if (request.signal?.aborted) throw request.signal.reason;
        yield chunk.rows<Row>();
      }
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      stream.cancel();
      if (broken || request.signal?.aborted) this.discard(session);
      else this.idle.push(session);
    }
  }

  close(): void {
    for (const session of this.all) session.close();
    this.all.clear();
    this.idle.length = 0;
  }

  private async create(): Promise<Session> {
    const session = await this.open();
    this.all.add(session);
    return session;
  }

  private discard(session: Session): void {
    this.all.delete(session);
    try {
      session.close();
    } catch (error) {
      log.warn('closing a stream session failed', { error: (error as Error).message });
    }
  }
}
