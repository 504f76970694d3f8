import { ToolFailure } from '../errors.js';

/** One live stream as the server sees it: whether it waits on its client, and the bytes it holds. */
export interface OpenStream {
  /** Waiting for the client to take what was sent (the database read is paused meanwhile). */
  paused: boolean;
  /** Bytes of rows read from the database and not yet handed to the client. */
  bufferedBytes: number;
  close(): void;
}

/** The streams of the server now, for health: how many, how many paused, and the backpressure level (0 to 1). */
export interface StreamLoad {
  open: number;
  paused: number;
  buffered_bytes: number;
  max_buffered_bytes: number;
  /** Buffered bytes against the cap. */
  backpressure: number;
  limit: number;
}

/**
 * The server's live streams, against its limits: at most `maxStreams` open, and at most
 * `maxBufferedBytes` held for slow clients across all of them. A stream beyond either is refused
 * at once with STREAM.BUSY and a time to retry, never queued: the caller may page by cursor instead.
 */
export class StreamRegistry {
  private readonly open = new Set<OpenStream>();

  constructor(private readonly limits: { maxStreams: number; maxBufferedBytes: number }) {}

  begin(): OpenStream {
    if (this.open.size >= this.limits.maxStreams) {
      throw new ToolFailure(
        'STREAM.BUSY',
        `the server is serving its limit of ${this.limits.maxStreams} live streams; retry shortly, or read the tool page by page without a partial result token`,
        {
          retryAfterMs: 1000,
        },
      );
    }
    if (this.buffered() >= this.limits.maxBufferedBytes) {
      throw new ToolFailure('STREAM.BUSY', 'the server holds its limit of rows for slow clients; retry shortly, or read the tool page by page', {
        retryAfterMs: 1000,
      });
    }
    const stream: OpenStream = { paused: false, bufferedBytes: 0, close: () => this.open.delete(stream) };
    this.open.add(stream);
    return stream;
  }

  get load(): StreamLoad {
    const buffered = this.buffered();
    return {
      open: this.open.size,
      paused: [...this.open].filter((s) => s.paused).length,
      buffered_bytes: buffered,
      max_buffered_bytes: this.limits.maxBufferedBytes,
      backpressure: Math.min(1, Math.round((buffered / this.limits.maxBufferedBytes) * 1000) / 1000),
      limit: this.limits.maxStreams,
    };
  }

  private buffered(): number {
    let total = 0;
    for (const stream of this.open) total += stream.bufferedBytes;
    return total;
  }
}
