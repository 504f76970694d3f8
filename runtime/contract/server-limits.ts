import { availableParallelism } from 'node:os';
import type { ServerLimitsSpec } from './spec.js';

/**
 * What one server accepts from its callers, whoever they are: the bounds a hostile client meets.
 * Each may be set under `server.limits` in the pipeline; these are the defaults, in one place
 * (the README's security section lists them).
 */
export interface ServerLimits {
  /** Tool calls running at once; more wait in a short queue (default: 4 per core, at least 8). */
  maxConcurrentCalls: number;
  /** Calls that may wait for a slot; beyond them a call is refused at once with SERVER.BUSY. */
  maxQueuedCalls: number;
  /** How long a call may wait for a slot before it is refused with SERVER.BUSY. */
  queueTimeoutMs: number;
  /** Largest HTTP request body; a larger one is refused with 413 before it is read. */
  maxBodyBytes: number;
  /** Request bodies being received at once; more are refused with 503. */
  maxPendingBodies: number;
  /** Time a client has to send a request's headers and body; a stalled upload is closed (408). */
  requestTimeoutS: number;
  /** Deepest nesting of lists and objects in tool arguments; deeper is refused as PARAMS.INVALID. */
  maxArgumentDepth: number;
  /** Live streams open at once; more are refused with STREAM.BUSY. */
  maxConcurrentStreams: number;
  /** Bytes of rows all live streams may hold for slow clients; beyond it new streams are refused. */
  maxStreamBufferBytes: number;
  /** Longest a stream's query may run, waiting on a slow client included. */
  streamTimeoutS: number;
  /** How long a write's outcome is kept, for retries with its idempotency key. */
  idempotencyTtlS: number;
  /** Idempotency keys remembered at once; the oldest finished ones are forgotten first. */
  idempotencyMaxKeys: number;
}

export function resolveServerLimits(spec: ServerLimitsSpec | undefined): ServerLimits {
  const maxConcurrentCalls = spec?.maxConcurrentCalls ?? Math.max(8, 4 * availableParallelism());
  return {
    maxConcurrentCalls,
    maxQueuedCalls: spec?.maxQueuedCalls ?? 4 * maxConcurrentCalls,
    queueTimeoutMs: spec?.queueTimeoutMs ?? 2_000,
    maxBodyBytes: spec?.maxBodyBytes ?? 4 * 1024 * 1024,
    maxPendingBodies: spec?.maxPendingBodies ?? 32,
    requestTimeoutS: spec?.requestTimeoutS ?? 30,
    maxArgumentDepth: spec?.maxArgumentDepth ?? 32,
    maxConcurrentStreams: spec?.maxConcurrentStreams ?? 16,
    maxStreamBufferBytes: spec?.maxStreamBufferBytes ?? 64 * 1024 * 1024,
    streamTimeoutS: spec?.streamTimeoutS ?? 600,
    idempotencyTtlS: spec?.idempotencyTtlS ?? 86_400,
    idempotencyMaxKeys: spec?.idempotencyMaxKeys ?? 100_000,
  };
}
