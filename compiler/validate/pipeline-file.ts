/**
 * The shape of a pipeline file that passed `schemas/pipeline.schema.json`. Kept beside the
 * validator so the two change together; the analyzer reads only documents of this shape.
 */
export interface PipelineFile {
  mcpc: 1;
  server: ServerSection;
  sources: Record<string, SourceSection>;
  auth?: AuthSection;
  resources?: Record<string, ResourceSection>;
  tools?: Record<string, ToolSection>;
  pipelines?: Record<string, PipelineSection>;
  budgets?: BudgetsSection;
  state?: { redis: string };
  audit?: AuditSection;
  telemetry?: { otlp_endpoint?: string };
}

/** `budgets:`: classes by name, beside the keys that configure them all. */
export type BudgetsSection = {
  default?: string;
  anonymous_key?: string;
  max_buckets?: number;
} & { [className: string]: { rate: number; per: BudgetPer } | string | number | undefined };

type BudgetPer = 'second' | 'minute' | 'hour' | 'day';

export interface AuthSection {
  jwt?: {
    issuer: string;
    audience: string;
    jwks_url?: string;
    public_key?: string;
    algorithms: string[];
    scopes_claim?: 'scope' | 'scp';
    clock_skew_s?: number;
    jwks_cooldown_s?: number;
    role_claim?: string;
    roles?: string[];
  };
  api_keys?: { file: string };
  anonymous?: boolean;
  resource?: string;
}

interface ServerSection {
  name: string;
  version: string;
  description?: string;
  instructions?: string;
  cursor_secret?: string;
  drift_check_s?: number;
  discovery_s?: number;
  shutdown_timeout_s?: number;
  list_page_size?: number;
  list_ttl_s?: number;
  tool_budget_tokens?: number;
  limits?: {
    max_concurrent_calls?: number;
    max_queued_calls?: number;
    queue_timeout_ms?: number;
    max_body_bytes?: number;
    max_pending_bodies?: number;
    request_timeout_s?: number;
    max_argument_depth?: number;
    max_concurrent_streams?: number;
    max_stream_buffer_bytes?: number;
    stream_timeout_s?: number;
    idempotency_ttl_s?: number;
    idempotency_max_keys?: number;
  };
  http?: { host?: string; port?: number; allowed_origins?: string[]; allowed_hosts?: string[] };
}

export interface SourceSection {
  kind: 'clickhouse';
  url?: string;
  username?: string;
  password?: string;
  database?: string;
  embedded?: string;
  seed?: string;
  schema?: string | string[];
  limits?: { max_rows?: number; max_bytes?: number; max_execution_time_s?: number; max_memory_bytes?: number };
}

export interface ResourceSection {
  source: string;
  /** Exactly one of `table` and `table_pattern` (analyze says so when not). */
  table?: string;
  table_pattern?: string;
  database?: string;
  description?: string;
  access?: 'anonymous' | 'authenticated';
  scopes?: string[];
  role?: string;
}

/** A param declared with mcpc's subset of JSON Schema. */
export interface ParamSection {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  description?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: ParamSection;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, ParamSection>;
  required?: string[];
  additionalProperties?: boolean;
}

/** One of `examples:` (see compiler/analyze/examples.ts). */
export interface ExampleSection {
  description?: string;
  args?: Record<string, unknown>;
  expect?: {
    rows?: number | { min?: number; max?: number };
    columns?: string[];
    first?: Record<string, unknown>;
    contains?: Array<Record<string, unknown>>;
  };
}

interface ToolBase {
  title?: string;
  examples?: ExampleSection[];
  description: string;
  source?: string;
  budget?: string;
}

export interface QueryToolSection extends ToolBase {
  kind: 'query';
  reads?: string[];
  params?: Record<string, ParamSection>;
  sql: string;
}

export interface StreamToolSection extends ToolBase {
  kind: 'stream';
  reads?: string[];
  params?: Record<string, ParamSection>;
  sql: string;
  stream?: { batch_size?: number; max_latency_ms?: number; max_rows?: number; key?: string[] };
}

export interface InsertToolSection extends ToolBase {
  kind: 'insert';
  writes?: string[];
  table: string;
  max_rows?: number;
}

export interface SqlToolSection extends ToolBase {
  kind: 'sql';
  reads: string[];
  max_sql_length?: number;
  limits?: SourceSection['limits'];
}

export type ToolSection = QueryToolSection | StreamToolSection | InsertToolSection | SqlToolSection;

export interface PipelineSection {
  title?: string;
  description: string;
  params?: Record<string, ParamSection>;
  examples?: ExampleSection[];
  steps: Record<string, { tool: string; with?: Record<string, unknown>; after?: string[]; timeout_s?: number }>;
  output?: string | Record<string, unknown>;
  budget?: string;
  step_timeout_s?: number;
  max_concurrent_steps?: number;
}

export interface AuditSection {
  sink: {
    kind: 'file' | 'clickhouse';
    path?: string;
    max_bytes?: number;
    url?: string;
    username?: string;
    password?: string;
    database?: string;
    table?: string;
  };
  spool?: string;
  record_arguments?: string[];
}
