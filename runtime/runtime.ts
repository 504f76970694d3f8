import type { AuditTrail } from './audit/trail.js';
import { Admission } from './call/admission.js';
import { CursorSigner } from './call/cursors.js';
import { Budgets } from './call/budgets.js';
import { StreamRegistry } from './call/streams.js';
import { DEFAULT_DISCOVERY_S, TableDiscovery } from './discovery/table-patterns.js';
import { DriftWatch } from './drift.js';
import { compileArgsValidator, createArgsAjv } from './contract/args.js';
import { resolveServerLimits, type ServerLimits } from './contract/server-limits.js';
import type { ResourceSpec, ServerSpec } from './contract/spec.js';
import { Catalog } from './protocol/catalog.js';
import { InflightCalls } from './protocol/inflight.js';
import type { ServedManifest } from './protocol/manifest-resource.js';
import { observed } from './sources/observed.js';
import { warnRolesOnEmbedded } from './call/roles.js';
import type { Source } from './sources/source.js';
import { memoryState, type SharedState } from './state/open-state.js';
import type { WriteKeys } from './tools/kind.js';
import type { Telemetry } from './telemetry/telemetry.js';
import { prepareTool, type ServedTool } from './tools/served-tool.js';

/** Everything a request needs, prepared once at start: sources, tools with their validators, caller views. */
export interface Runtime {
  spec: ServerSpec;
  sources: ReadonlyMap<string, Source>;
  /** Every tool by name, whoever may see it; authorization decides per call. */
  tools: ReadonlyMap<string, ServedTool>;
  /** Every resource by URI, whoever may see it. */
  resources: ReadonlyMap<string, ResourceSpec>;
  catalog: Catalog;
  limits: ServerLimits;
  /** The server-wide bound on tool calls running at once. */
  admission: Admission;
  /** Tool calls in flight, for cancellations that arrive apart from their call. */
  inflight: InflightCalls;
  /** Outcomes of writes by idempotency key (in `state`). */
  idempotency: WriteKeys;
  /** Token buckets per caller and budget class (in `state`). */
  budgets: Budgets;
  /** Where budgets and idempotency records live: memory, or Redis shared by replicas. */
  state: SharedState;
  /** Signs stream cursors: with `server.cursor_secret`, or a random secret of this process. */
  cursors: CursorSigner;
  /** Live streams open now, against the server's limits. */
  streams: StreamRegistry;
  /** Which tools schema drift broke, from the last check against the live sources. */
  drift: DriftWatch;
  /** The tables `table_pattern` resources found, each a resource of its own. */
  discovery: TableDiscovery;
  /** Spans and metrics, when `telemetry.otlp_endpoint` resolved non-empty; absent: none at all. */
  telemetry?: Telemetry;
  /** Records each call and pipeline step, when the pipeline has `audit:`. */
  audit?: AuditTrail;
}

export function createRuntime(
  spec: ServerSpec,
  sources: ReadonlyMap<string, Source>,
  options: { cursorSecret?: string; manifest?: ServedManifest; state?: SharedState; telemetry?: Telemetry; audit?: AuditTrail } = {},
): Runtime {
  const limits = resolveServerLimits(spec.limits);
  const state = options.state ?? memoryState(spec, limits);
  const observedSources = new Map([...sources].map(([name, source]) => [name, observed(source)]));
  return {
    ...specParts(spec, observedSources, state, options.manifest),
    sources: observedSources,
    limits,
    admission: new Admission(limits),
    inflight: new InflightCalls(),
    cursors: new CursorSigner(options.cursorSecret),
    streams: new StreamRegistry({ maxStreams: limits.maxConcurrentStreams, maxBufferedBytes: limits.maxStreamBufferBytes }),
    idempotency: state.writeKeys,
    state,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.audit ? { audit: options.audit } : {}),
  };
}

/**
 * The runtime of a new build of the same server (see runtime/reload/): its tools, resources and
 * views and budget classes, over the sources and server-wide state (limits, queue, streams,
 * idempotency, the buckets' store) of `runtime`.
 */
export function withSpec(runtime: Runtime, spec: ServerSpec, manifest?: ServedManifest): Runtime {
  return { ...runtime, ...specParts(spec, runtime.sources, runtime.state, manifest) };
}

/** What a runtime derives from its spec alone. */
function specParts(spec: ServerSpec, sources: ReadonlyMap<string, Source>, state: SharedState, manifest: ServedManifest | undefined) {
  const ajv = createArgsAjv();
  const tools = new Map(spec.tools.map((tool) => [tool.name, prepareTool(tool, compileArgsValidator(ajv, tool.inputSchema))]));
  // At start and at each reload: where roles cannot apply, said rather than silent.
  warnRolesOnEmbedded(spec, sources);
  const discovery = new TableDiscovery(spec.resourcePatterns ?? [], (name) => sources.get(name), spec.discoveryS ?? DEFAULT_DISCOVERY_S);
  return {
    spec,
    drift: new DriftWatch(spec.tools, (name) => sources.get(name)),
    discovery,
    tools,
    resources: new Map(spec.resources.map((r) => [r.uri, r])),
    catalog: new Catalog(spec, [...tools.values()], discovery, manifest),
    // A new build's rates apply to the buckets callers have (the store outlives builds).
    budgets: new Budgets(spec.budgets, state.buckets),
  };
}
