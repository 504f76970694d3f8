import type { Reporter } from '../diagnostics/reporter.js';
import type { PipelineFile } from '../validate/pipeline-file.js';
import { analyzeAudit } from './audit.js';
import { analyzeAuth } from './auth.js';
import { analyzeBudgets } from './budgets.js';
import { applyCatalog } from './catalog/index.js';
import { analyzeComposites } from './composites.js';
import { analyzeExamples } from './examples.js';
import { IdentifierAllocator } from './identifiers.js';
import type { ConfigText, ServerLimitsSpec, TelemetrySpec } from '../../runtime/contract/spec.js';
import { isLiteral, parseConfigText } from './config-text.js';
import type { ServerIR } from './ir.js';
import { analyzeResourcePatterns } from './resource-patterns.js';
import { analyzeResources, analyzeSources, type FileReader } from './sources.js';
import type { SqlChecker } from './sql-checker.js';
import { analyzeState } from './state.js';
import { analyzeTools } from './tools/index.js';

/** Tools or resources per list page unless the pipeline says otherwise; see the README's Performance section. */
const DEFAULT_LIST_PAGE_SIZE = 100;

export interface AnalyzeOptions {
  /** Reads files the pipeline names (seed SQL), relative to the pipeline file. */
  readFile: FileReader;
  /** ClickHouse's parser, to prove each tool's SQL. */
  sql: SqlChecker;
}

/**
 * Resolves every reference and proves what can be proven before the server exists. Returns an
 * IR of everything that analyzed cleanly; problems are reported, never thrown, so one run lists
 * them all.
 */
export async function analyzePipeline(reporter: Reporter, file: PipelineFile, options: AnalyzeOptions): Promise<ServerIR> {
  const identifiers = new IdentifierAllocator();
  const sources = analyzeSources(reporter, file, options.readFile);
  const declaredResources = analyzeResources(reporter, file);
  const resourcePatterns = analyzeResourcePatterns(reporter, file);
  const analyzed = await analyzeTools({ reporter, file, sources, resources: declaredResources, identifiers, sql: options.sql });
  const catalog = await applyCatalog(reporter, options.sql, sources, declaredResources, analyzed);
  const resources = declaredResources.map((r) => {
    const columns = catalog.resourceColumns.get(r.name);
    return columns ? { ...r, columns } : r;
  });
  const examined = analyzeExamples(reporter, file, catalog.tools, analyzeComposites(reporter, file, catalog.tools, identifiers));
  const { tools, pipelines } = examined;
  const auth = analyzeAuth(reporter, file.auth, [...resources, ...resourcePatterns]);
  const budgets = analyzeBudgets(reporter, file, tools, pipelines);
  const state = analyzeState(reporter, file.state);
  const audit = analyzeAudit(reporter, file);
  const http = file.server.http ?? {};
  return {
    file: reporter.doc.file,
    fileName: reporter.doc.file.split('/').at(-1)!,
    name: file.server.name,
    version: file.server.version,
    ...(file.server.description === undefined ? {} : { description: file.server.description }),
    ...(file.server.instructions === undefined ? {} : { instructions: file.server.instructions }),
    ...cursorSecret(reporter, file.server.cursor_secret),
    ...(file.server.drift_check_s === undefined ? {} : { driftCheckS: file.server.drift_check_s }),
    ...(file.server.discovery_s === undefined ? {} : { discoveryS: file.server.discovery_s }),
    ...(file.server.shutdown_timeout_s === undefined ? {} : { shutdownTimeoutS: file.server.shutdown_timeout_s }),
    http: { host: http.host ?? '127.0.0.1', port: http.port ?? 8080, allowedOrigins: http.allowed_origins ?? [], allowedHosts: http.allowed_hosts ?? [] },
    limits: serverLimits(file.server.limits ?? {}),
    listPageSize: file.server.list_page_size ?? DEFAULT_LIST_PAGE_SIZE,
    ...(file.server.list_ttl_s === undefined ? {} : { listTtlS: file.server.list_ttl_s }),
    ...(file.server.tool_budget_tokens === undefined ? {} : { toolBudgetTokens: file.server.tool_budget_tokens }),
    ...(auth === undefined ? {} : { auth }),
    ...telemetry(reporter, file.telemetry),
    ...(audit === undefined ? {} : { audit }),
    sources,
    resources,
    resourcePatterns,
    tools: withBudgets(tools, budgets.classOf),
    pipelines: withBudgets(pipelines, budgets.classOf),
    ...(budgets.spec === undefined ? {} : { budgets: budgets.spec }),
    ...(state === undefined ? {} : { state }),
  };
}

/** `server.cursor_secret` as configuration text: a secret, never a literal in the file. */
function cursorSecret(reporter: Reporter, raw: string | undefined): { cursorSecret?: ConfigText } {
  if (raw === undefined) return {};
  const parsed = parseConfigText(raw);
  if (!parsed.ok) {
    reporter.error('MCPC_INTERPOLATION_INVALID', ['server', 'cursor_secret'], parsed.message);
    return {};
  }
  if (isLiteral(parsed.text)) {
    reporter.error(
      'MCPC_SECRET_LITERAL',
      ['server', 'cursor_secret'],
      'the cursor secret is written in the pipeline file, so it would end up in generated code and in version control, and anyone could sign cursors',
      { hint: 'use cursor_secret: ${secret:MCPC_CURSOR_SECRET} (from the environment or a secrets directory at start)' },
    );
    return {};
  }
  return { cursorSecret: parsed.text };
}

/** `telemetry`: where spans and metrics go (OTLP over HTTP), resolved at start; empty means none. */
function telemetry(reporter: Reporter, section: PipelineFile['telemetry']): { telemetry?: TelemetrySpec } {
  if (section?.otlp_endpoint === undefined) return {};
  const parsed = parseConfigText(section.otlp_endpoint);
  if (!parsed.ok) {
    reporter.error('MCPC_INTERPOLATION_INVALID', ['telemetry', 'otlp_endpoint'], parsed.message);
    return {};
  }
  return { telemetry: { otlpEndpoint: parsed.text } };
}

/** `server.limits` in the runtime's terms, only those the pipeline sets. */
function serverLimits(limits: NonNullable<PipelineFile['server']['limits']>): ServerLimitsSpec {
  const names: Record<keyof typeof limits, keyof ServerLimitsSpec> = {
    max_concurrent_calls: 'maxConcurrentCalls',
    max_queued_calls: 'maxQueuedCalls',
    queue_timeout_ms: 'queueTimeoutMs',
    max_body_bytes: 'maxBodyBytes',
    max_pending_bodies: 'maxPendingBodies',
    request_timeout_s: 'requestTimeoutS',
    max_argument_depth: 'maxArgumentDepth',
    max_concurrent_streams: 'maxConcurrentStreams',
    max_stream_buffer_bytes: 'maxStreamBufferBytes',
    stream_timeout_s: 'streamTimeoutS',
    idempotency_ttl_s: 'idempotencyTtlS',
    idempotency_max_keys: 'idempotencyMaxKeys',
  };
  return Object.fromEntries(Object.entries(limits).map(([key, value]) => [names[key as keyof typeof limits], value]));
}

/** Each tool or pipeline with the budget class it takes from, where it has one. */
function withBudgets<T extends { name: string; budget?: string }>(items: T[], classOf: ReadonlyMap<string, string>): T[] {
  return items.map((item) => {
    const budget = classOf.get(item.name);
    return budget === undefined ? item : { ...item, budget };
  });
}
