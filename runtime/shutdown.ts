import { log } from './log.js';
import type { LiveRuntime } from './reload/live-runtime.js';

/** Seconds calls in flight get on SIGTERM/SIGINT unless `server.shutdown_timeout_s` says. */
const DEFAULT_SHUTDOWN_TIMEOUT_S = 10;
/** After cancelling the calls that outlived the deadline: how long they get to answer that they were cancelled. */
const CANCEL_GRACE_MS = 5_000;

/** The transport as shutdown sees it. */
export interface ShutdownTransport {
  /** Takes no new connections (HTTP); stdio has nothing to stop. */
  stopAccepting?(): void;
  /** Closes what is still open: connections, streams. */
  close(): Promise<void>;
}

/**
 * Something that holds work to hand over before the process exits: the audit's records, and
 * (when it joins) telemetry's spans. Each gets the shutdown timeout, all at once.
 */
export interface ShutdownFlush {
  readonly name: string;
  flush(timeoutMs: number): Promise<unknown>;
}

/**
 * Shuts the server down once, on SIGINT/SIGTERM (or when stdio ends): stop accepting (new
 * connections, and new calls on open ones, which answer SERVER.BUSY), let the calls in flight
 * finish for up to the timeout, then cancel the rest (each answers REQUEST.CANCELLED, its query
 * stopped), close the transport and its streams, flush the audit and telemetry, close the sources
 * and the state store, and exit 0. A new build is no longer taken once it begins: the build it
 * serves then is the one that stops (its own `server.shutdown_timeout_s`).
 */
export function onShutdown(live: LiveRuntime, builds: { close(): void }, transport: ShutdownTransport, flushes: readonly ShutdownFlush[]): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      builds.close();
      live.stop();
      const runtime = live.current;
      const timeoutMs = (runtime.spec.shutdownTimeoutS ?? DEFAULT_SHUTDOWN_TIMEOUT_S) * 1000;
      log.info('shutting down', { server: runtime.spec.name, calls_in_flight: runtime.inflight.size, timeout_s: timeoutMs / 1000 });
      runtime.admission.close();
      transport.stopAccepting?.();
      if (!(await settles(runtime.inflight.whenIdle(), timeoutMs))) {
        log.warn('calls still running at the shutdown deadline are cancelled', { calls: runtime.inflight.size });
        runtime.inflight.cancelAll('the server is shutting down');
        if (!(await settles(runtime.inflight.whenIdle(), CANCEL_GRACE_MS))) {
          // A query the engine would not stop: its call gets no answer, and so no audit record.
          log.error('calls neither finished nor cancelled in time are dropped unanswered', { calls: runtime.inflight.size });
        }
      }
      await settles(transport.close(), CANCEL_GRACE_MS);
      await Promise.allSettled(
        flushes.map((f) => settles(f.flush(timeoutMs), timeoutMs).then((done) => done || log.warn('shutdown flush ran out of time', { flush: f.name }))),
      );
      await Promise.allSettled([...runtime.sources.values()].map((s) => s.close()));
      await runtime.state.close().catch(() => undefined);
      log.info('stopped', { server: runtime.spec.name });
      // Over stdio the last answers may still sit in stdout's pipe buffer: let them out first.
      await settles(new Promise<void>((flushed) => process.stdout.write('', () => flushed())), CANCEL_GRACE_MS);
      process.exit(0);
    })();
    return stopping;
  };
  // `on`, not `once`: Ctrl-C reaches a stdio server twice (from the terminal and forwarded by its
  // launcher), and a second signal with no listener would kill it halfway through closing.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return stop;
}

/** Whether `work` settled within `ms`. */
async function settles(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return done;
}
