import { ToolFailure } from '../errors.js';

export interface AdmissionLimits {
  maxConcurrentCalls: number;
  maxQueuedCalls: number;
  queueTimeoutMs: number;
}

/**
 * The server-wide bound on tool calls running at once. A call beyond it waits briefly in a FIFO
 * queue; when the queue is full, or the wait runs out, it is refused with a retryable
 * SERVER.BUSY and a hint of when to retry. Memory and engine load then stay bounded whatever
 * the number of callers, and everything outside tool calls (health, lists) never waits here.
 */
export class Admission {
  private running = 0;
  private readonly waiting: Array<{ admit: () => void; refuse: (failure: ToolFailure) => void }> = [];
  /** Moving average of how long a call holds its slot, for the retry hint. */
  private averageMs = 50;
  /** Set on shutdown: calls already admitted or queued finish, new ones are refused. */
  private closing = false;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Waits for a slot; resolves with the function that gives it back (call it exactly once). */
  async enter(signal: AbortSignal): Promise<() => void> {
    if (this.closing)
      throw new ToolFailure('SERVER.BUSY', 'the server is shutting down; retry (another replica, or this server once restarted, answers)', {
        retryAfterMs: 1000,
      });
    if (this.running < this.limits.maxConcurrentCalls && this.waiting.length === 0) return this.take();
    if (this.waiting.length >= this.limits.maxQueuedCalls) throw this.busy('the queue of waiting calls is full');
    return new Promise((resolve, reject) => {
      const entry = {
        admit: () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(this.take());
        },
        refuse: (failure: ToolFailure) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          reject(failure);
        },
      };
      const leave = (failure: ToolFailure) => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        entry.refuse(failure);
      };
      const timer = setTimeout(() => leave(this.busy(`no slot freed within ${this.limits.queueTimeoutMs} ms`)), this.limits.queueTimeoutMs);
      const onAbort = () => leave(new ToolFailure('REQUEST.CANCELLED', 'the request was cancelled while it waited for a slot'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** From now on new calls are refused (SERVER.BUSY); those running or queued go on. */
  close(): void {
    this.closing = true;
  }

  /** Calls running now and calls waiting, for health and logs. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  private take(): () => void {
    this.running++;
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.averageMs = 0.9 * this.averageMs + 0.1 * (performance.now() - started);
      this.running--;
      this.waiting.shift()?.admit();
    };
  }

  private busy(why: string): ToolFailure {
    // Long enough for the calls ahead to drain at the recent pace, never less than 100 ms.
    const ahead = this.waiting.length + this.running;
    const retryAfterMs = Math.max(100, Math.ceil(((ahead / this.limits.maxConcurrentCalls) * this.averageMs) / 50) * 50);
    return new ToolFailure(
      'SERVER.BUSY',
      `the server is at its limit of ${this.limits.maxConcurrentCalls} calls at once (${why}); retry after ${retryAfterMs} ms`,
      {
        retryAfterMs,
      },
    );
  }
}
