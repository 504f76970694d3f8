import { canonicalJson } from '../../runtime/contract/canonical-json.js';
import { createHash } from 'node:crypto';
import type { AccessRule, AuthSpec, BudgetsSpec } from '../../runtime/contract/spec.js';
import type { ServerIR, ToolIR } from '../analyze/ir.js';

/** The versioned description of what a built server serves, for review and `mcpc diff`. */
export interface Manifest {
  manifest_version: 1;
  generator: string;
  source_file: string;
  server: { name: string; version: string; description?: string };
  /** Who may call: the identity providers (never a key, a URL from the environment, or a secret) and whether anonymous callers are served. */
  auth?: {
    anonymous: boolean;
    providers: Array<
      | {
          kind: 'jwt';
          issuer: string;
          audience: string;
          algorithms: string[];
          keys: 'jwks' | 'public_key';
          scopes_claim: string;
          clock_skew_s: number;
          /** The claim callers' ClickHouse roles come from, and the roles it may name. */
          role_claim?: string;
          roles?: string[];
        }
      | { kind: 'api_keys' }
    >;
    scopes_supported: string[];
  };
  sources: Array<{ name: string; limits: { max_rows: number; max_bytes: number; max_execution_time_s: number; max_memory_bytes: number } }>;
  resources: Array<{
    name: string;
    uri: string;
    source: string;
    database?: string;
    table: string;
    description?: string;
    access: string;
    /** Scopes a caller's token must carry to see it. */
    scopes?: string[];
    /** The ClickHouse role the queries over it run under (not in the fingerprint: it changes no call's shape; `mcpc diff` reports it). */
    role?: string;
    /** The table's columns from the build-time catalog, where the source has one. */
    columns?: Array<{ name: string; type: string; comment: string }>;
    /** sha256 over what a client depends on: name, URI, access and columns. */
    fingerprint: string;
  }>;
  /** Resources given as `table_pattern` (absent when none): each table that matches at run time is served as `<uri>/<table>`. */
  resource_patterns?: Array<{
    name: string;
    uri: string;
    source: string;
    database?: string;
    table_pattern: string;
    description?: string;
    access: string;
    scopes?: string[];
  }>;
  tools: Array<
    {
      name: string;
      title?: string;
      description: string;
      source: string;
      reads: string[];
      /** Who may see and call it, derived from what it reads. */
      access: string;
      scopes?: string[];
      input_schema: Record<string, unknown>;
      output_schema: Record<string, unknown>;
      /** The budget class a call takes a token from. */
      budget?: string;
      /** sha256 over what a client depends on: name, input and output schemas, access. */
      fingerprint: string;
    } & (
      | {
          kind: 'query';
          /** The result columns from the build-time catalog, where the source has one. */
          columns?: Array<{ name: string; type: string }>;
          sql: string;
        }
      | {
          kind: 'stream';
          columns?: Array<{ name: string; type: string }>;
          /** The ORDER BY columns a page resumes after. */
          key?: Array<{ name: string; type: string; descending: boolean }>;
          sql: string;
          batch_size: number;
          max_latency_ms: number;
          max_rows: number;
        }
      | {
          kind: 'insert';
          /** The resource it writes. */
          writes: string[];
          table: string;
          max_rows: number;
          /** The columns a row may set; those with a default may be left out. */
          columns?: Array<{ name: string; type: string; has_default: boolean }>;
        }
      | {
          kind: 'sql';
          /** The tables the agent's SQL may read, as `database.table`. */
          tables: string[];
          max_sql_length: number;
          /** The limits its reads run under (its source's, tightened by its own). */
          limits: { max_rows: number; max_bytes: number; max_execution_time_s: number; max_memory_bytes: number };
          /** sha256 of the DDL its guard checks SQL against. */
          catalog_hash: string;
        }
    )
  >;
  pipelines: Array<{
    name: string;
    description: string;
    reads: string[];
    access: string;
    scopes?: string[];
    input_schema: Record<string, unknown>;
    output_schema: Record<string, unknown>;
    /** Resources written by the tools it reaches; it then takes an idempotency_key. */
    writes?: string[];
    steps: Array<{ id: string; calls: string; after: string[] }>;
    /** The budget class a call takes a token from (its steps take none). */
    budget?: string;
    fingerprint: string;
  }>;
  /** Budget classes (each tool and pipeline names its own in `budget`), and how anonymous callers are told apart. */
  budgets?: { classes: Record<string, { rate: number; per: string }>; anonymous_key: string; max_buckets?: number };
  /** Where budgets and idempotency records live when not in each process's memory (never its URL). */
  state?: { store: 'redis' };
  /** sha256 of this manifest without this field: the identity of the server's behaviour. */
  content_hash: string;
}

export function buildManifest(ir: ServerIR, generator: string): Manifest {
  const body: Omit<Manifest, 'content_hash'> = {
    manifest_version: 1,
    generator,
    source_file: ir.fileName,
    server: { name: ir.name, version: ir.version, ...(ir.description === undefined ? {} : { description: ir.description }) },
    ...(ir.auth === undefined ? {} : { auth: authEntry(ir.auth) }),
    sources: ir.sources.map((s) => ({
      name: s.name,
      limits: {
        max_rows: s.limits.maxRows,
        max_bytes: s.limits.maxBytes,
        max_execution_time_s: s.limits.maxExecutionTimeS,
        max_memory_bytes: s.limits.maxMemoryBytes,
      },
    })),
    resources: ir.resources.map((r) => ({
      name: r.name,
      uri: r.uri,
      source: r.source,
      ...(r.database === undefined ? {} : { database: r.database }),
      table: r.table,
      ...(r.description === undefined ? {} : { description: r.description }),
      access: r.access,
      ...scopesEntry(r),
      ...(r.role === undefined ? {} : { role: r.role }),
      ...(r.columns === undefined ? {} : { columns: r.columns.map((c) => ({ ...c })) }),
      fingerprint: fingerprint({
        name: r.name,
        uri: r.uri,
        access: r.access,
        ...scopesEntry(r),
        columns: (r.columns ?? []).map((c) => ({ name: c.name, type: c.type })),
      }),
    })),
    ...(ir.resourcePatterns.length === 0
      ? {}
      : {
          resource_patterns: ir.resourcePatterns.map((r) => ({
            name: r.name,
            uri: r.uri,
            source: r.source,
            ...(r.database === undefined ? {} : { database: r.database }),
            table_pattern: r.tablePattern,
            ...(r.description === undefined ? {} : { description: r.description }),
            access: r.access,
            ...scopesEntry(r),
          })),
        }),
    tools: ir.tools.map(toolEntry),
    pipelines: ir.pipelines.map((p) => ({
      name: p.name,
      description: p.description,
      reads: p.reads,
      access: p.access,
      ...scopesEntry(p),
      input_schema: p.inputSchema,
      output_schema: p.outputSchema,
      ...(p.writes.length === 0 ? {} : { writes: p.writes }),
      steps: p.steps.map((s) => ({ id: s.id, calls: s.target.name, after: [...new Set([...s.dependsOn, ...s.after])].sort() })),
      ...budgetEntry(p),
      fingerprint: toolFingerprint(p.name, p.inputSchema, p.outputSchema, p),
    })),
    ...(ir.budgets === undefined ? {} : { budgets: budgetsEntry(ir.budgets) }),
    ...(ir.state === undefined ? {} : { state: { store: 'redis' as const } }),
  };
  return { ...body, content_hash: fingerprint(body) };
}

function budgetEntry(item: { budget?: string }): { budget?: string } {
  return item.budget === undefined ? {} : { budget: item.budget };
}

function budgetsEntry(budgets: BudgetsSpec): NonNullable<Manifest['budgets']> {
  const key = budgets.anonymousKey ?? 'address';
  return {
    classes: Object.fromEntries(Object.entries(budgets.classes).map(([name, c]) => [name, { rate: c.rate, per: c.per }])),
    anonymous_key: typeof key === 'string' ? key : `header:${key.header}`,
    ...(budgets.maxBuckets === undefined ? {} : { max_buckets: budgets.maxBuckets }),
  };
}

/** A tool in the manifest: what every kind has, then what its kind adds. */
function toolEntry(tool: ToolIR): Manifest['tools'][number] {
  const common = {
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    source: tool.source,
    reads: tool.reads,
    access: tool.access,
    ...scopesEntry(tool),
    input_schema: tool.inputSchema,
    output_schema: tool.outputSchema,
    ...budgetEntry(tool),
    fingerprint: toolFingerprint(tool.name, tool.inputSchema, tool.outputSchema, tool),
  };
  switch (tool.kind) {
    case 'query':
      return { name: tool.name, kind: 'query', ...common, ...(tool.columns === undefined ? {} : { columns: tool.columns }), sql: tool.sql };
    case 'stream':
      return {
        name: tool.name,
        kind: 'stream',
        ...common,
        ...(tool.columns === undefined ? {} : { columns: tool.columns }),
        ...(tool.key === undefined ? {} : { key: tool.key.map((k) => ({ ...k })) }),
        sql: tool.sql,
        batch_size: tool.batchSize,
        max_latency_ms: tool.maxLatencyMs,
        max_rows: tool.maxRows,
      };
    case 'insert':
      return {
        name: tool.name,
        kind: 'insert',
        ...common,
        writes: tool.writes,
        table: tool.table.database === undefined ? tool.table.name : `${tool.table.database}.${tool.table.name}`,
        max_rows: tool.maxRows,
        ...(tool.columns === undefined ? {} : { columns: tool.columns.map((c) => ({ name: c.name, type: c.type, has_default: c.hasDefault })) }),
      };
    case 'sql':
      return {
        name: tool.name,
        kind: 'sql',
        ...common,
        tables: tool.tables ?? [],
        max_sql_length: tool.maxSqlLength,
        limits: {
          max_rows: tool.limits.maxRows,
          max_bytes: tool.limits.maxBytes,
          max_execution_time_s: tool.limits.maxExecutionTimeS,
          max_memory_bytes: tool.limits.maxMemoryBytes,
        },
        catalog_hash: `sha256:${createHash('sha256')
          .update(canonicalJson(tool.catalog ?? null))
          .digest('hex')}`,
      };
  }
}

/**
 * A tool's fingerprint, as the tool-digest proposal (SEP-1766, not settled) describes one: sha256
 * of the canonical JSON (sorted keys, no whitespace) of what a client depends on: name, schemas,
 * access and its scopes. Descriptions and SQL are left out: a change to them changes no call.
 */
function toolFingerprint(name: string, inputSchema: unknown, outputSchema: unknown, rule: AccessRule): string {
  return fingerprint({ name, input_schema: inputSchema, output_schema: outputSchema, access: rule.access, ...scopesEntry(rule) });
}

function fingerprint(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

function scopesEntry(rule: AccessRule): { scopes?: string[] } {
  return rule.scopes === undefined ? {} : { scopes: [...rule.scopes] };
}

function authEntry(auth: AuthSpec): NonNullable<Manifest['auth']> {
  const providers: NonNullable<Manifest['auth']>['providers'] = [];
  if (auth.jwt) {
    const { jwt } = auth;
    providers.push({
      kind: 'jwt',
      issuer: jwt.issuer,
      audience: jwt.audience,
      algorithms: [...jwt.algorithms],
      keys: jwt.jwksUrl === undefined ? 'public_key' : 'jwks',
      scopes_claim: jwt.scopesClaim,
      clock_skew_s: jwt.clockSkewS,
      ...(jwt.roles === undefined ? {} : { role_claim: jwt.roles.claim, roles: [...jwt.roles.allowed] }),
    });
  }
  if (auth.apiKeys) providers.push({ kind: 'api_keys' });
  return { anonymous: auth.anonymous, providers, scopes_supported: [...auth.scopesSupported] };
}
