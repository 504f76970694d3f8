import type {
  AccessRule,
  AuditSpec,
  AuthSpec,
  BudgetsSpec,
  ConfigText,
  EmptyInputSpec,
  HttpSpec,
  JsonObject,
  LimitsSpec,
  ResourcePatternSpec,
  ResourceSpec,
  ServerLimitsSpec,
  SqlCatalogSpec,
  StateSpec,
  TelemetrySpec,
} from '../../runtime/contract/spec.js';
import type { DocPath } from '../diagnostics/diagnostic.js';
import type { StreamKeyColumn } from '../../runtime/contract/spec.js';
import type { Encoding } from './clickhouse-type.js';

/**
 * mcpc's intermediate representation: what the analyzer proved about a pipeline file, in the
 * form the later phases need. Later phases see only this, never YAML; `at` paths let them place
 * a diagnostic back in the file. Shapes the generated server also holds (HTTP settings, limits,
 * resources, configuration text) are the runtime contract's own types, defined once there.
 */
export interface ServerIR {
  /** The pipeline file as shown to users in diagnostics. */
  file: string;
  /** The pipeline file's name alone: what generated files record, so a build does not depend on where it ran. */
  fileName: string;
  name: string;
  version: string;
  description?: string;
  instructions?: string;
  /** `server.cursor_secret`, resolved at start. */
  cursorSecret?: ConfigText;
  /** `server.drift_check_s`. */
  driftCheckS?: number;
  /** `server.shutdown_timeout_s`. */
  shutdownTimeoutS?: number;
  /** `audit`: where each call's record goes. */
  audit?: AuditSpec;
  http: HttpSpec;
  /** `server.limits` as written (the runtime owns the defaults). */
  limits: ServerLimitsSpec;
  listPageSize: number;
  /** `server.list_ttl_s`: seconds clients may cache list results. */
  listTtlS?: number;
  /** `server.tool_budget_tokens`: above it `mcpc check` warns. */
  toolBudgetTokens?: number;
  /** `telemetry`: the OTLP endpoint, resolved at start. */
  telemetry?: TelemetrySpec;
  /** `auth`: who may call and how they prove it; absent: anonymous over HTTP, the operator over stdio. */
  auth?: AuthSpec;
  sources: SourceIR[];
  resources: ResourceIR[];
  /** Resources given as `table_pattern`: their tables are found at run time. */
  resourcePatterns: ResourcePatternSpec[];
  /** `server.discovery_s`. */
  discoveryS?: number;
  tools: ToolIR[];
  pipelines: CompositeIR[];
  /** `budgets:`: the classes and how callers are told apart (each tool's class is its `budget`). */
  budgets?: BudgetsSpec;
  /** `state:`: budgets and idempotency records in Redis. */
  state?: StateSpec;
}

export type JsonSchema = JsonObject;

export interface SourceIR {
  name: string;
  url?: ConfigText;
  username?: ConfigText;
  password?: ConfigText;
  database?: ConfigText;
  embedded: ConfigText;
  /** `path` as written (relative to the pipeline file); `fileName` is its copy in the build. */
  seed?: { path: string; shownAs: string; fileName: string; sql: string };
  /** The DDL files `schema` names, read (the build-time catalog's input); absent when it names none. */
  schema?: SchemaFile[];
  /** Where the pipeline says the source's catalog comes from (whether or not its files could be read). */
  catalogFrom: 'schema' | 'seed' | 'none';
  limits: LimitsSpec;
}

/** A DDL file a source names as its schema. */
export interface SchemaFile {
  /** As written, relative to the pipeline file. */
  path: string;
  /** As users see it, for diagnostics that point into it. */
  shownAs: string;
  text: string;
}

export type ResourceIR = ResourceSpec;

export interface ParamIR {
  name: string;
  /** The param's JSON Schema, including the rules its ClickHouse type adds. */
  schema: JsonSchema;
  required: boolean;
  /** TypeScript type of the value after defaults are applied. */
  tsType: string;
}

export interface BindingIR {
  param: string;
  clickhouseType: string;
  encoding: Encoding;
  /** A value of the type, for asking the engine about the SQL at build time. */
  sample: unknown;
}

/** What every tool has, whatever its kind. Its access is derived from the resources it touches. */
interface ToolBaseIR extends AccessRule {
  name: string;
  /** A TypeScript identifier unique in the generated file (`QueryOrders`). */
  identifier: string;
  title?: string;
  description: string;
  source: string;
  reads: string[];
  params: ParamIR[];
  inputSchema: JsonSchema;
  /** The JSON Schema of its `structuredContent`, as the runtime's kind defines it. */
  outputSchema: JsonSchema;
  /** `examples:`, checked against its params and result columns; run by `mcpc test`. */
  examples?: ExampleIR[];
  /** The budget class a call takes a token from; absent: not budgeted. */
  budget?: string;
  at: DocPath;
}

/** A call that must work (`examples:` of a tool or pipeline), and what its result must show. */
export interface ExampleIR {
  description?: string;
  args: JsonObject;
  expect?: ExampleExpectation;
  at: DocPath;
}

/** What an example's result must show: all of what is given. */
export interface ExampleExpectation {
  rows?: number | { min?: number; max?: number };
  columns?: string[];
  first?: JsonObject;
  contains?: JsonObject[];
}

/** A result column of a tool, as the engine resolved it against the source's schema. */
export interface ColumnIR {
  name: string;
  type: string;
}

/** A tool that runs declared SQL with its params bound as query parameters. */
export interface BoundSqlIR {
  /**
   * The SQL as the engine formats it (multi-line, for readers of the generated code); proven at
   * build time to format to the same single-line canonical text the checks ran on.
   */
  sql: string;
  bindings: BindingIR[];
  /** The result columns and their ClickHouse types, from the catalog; absent when its source has none. */
  columns?: ColumnIR[];
  /** List params read by `format()`, with what runs in place of the call when the list is empty. */
  emptyInputs: Record<string, EmptyInputSpec>;
}

export interface QueryToolIR extends ToolBaseIR, BoundSqlIR {
  kind: 'query';
  /** Its SQL's ORDER BY, when a cut result could resume after it; typed (`key`) once the catalog knows the result columns. */
  order?: Array<{ name: string; descending: boolean }>;
  key?: StreamKeyColumn[];
}

/** A tool that reads one declared SELECT page by page (a cursor per page), or as live batches. */
export interface StreamToolIR extends ToolBaseIR, BoundSqlIR {
  kind: 'stream';
  batchSize: number;
  maxLatencyMs: number;
  maxRows: number;
  /** The ORDER BY columns, as written; typed (`key`) once the catalog knows the result columns. */
  order: Array<{ name: string; descending: boolean }>;
  key?: StreamKeyColumn[];
}

/** A column an insert may set, and whether a row may leave it out (it has a default, or is Nullable). */
export interface InsertColumnIR extends ColumnIR {
  hasDefault: boolean;
}

/** A tool that inserts rows into one table; its input schema comes from the table's columns. */
export interface InsertToolIR extends ToolBaseIR {
  kind: 'insert';
  /** The one resource it writes. */
  writes: string[];
  table: { database?: string; name: string };
  maxRows: number;
  /** The columns a row may set, from the catalog; a tool without them does not build. */
  columns?: InsertColumnIR[];
}

/**
 * A tool that runs a SELECT written by the agent, over the tables of its reads. The catalog
 * gives it the tables it may read (and their columns, for its description) and the DDL its guard
 * checks SQL against; a tool without them does not build.
 */
export interface SqlToolIR extends ToolBaseIR {
  kind: 'sql';
  maxSqlLength: number;
  /** Its source's limits, each tightened where the tool sets its own. */
  limits: LimitsSpec;
  /** `database.table` of each table of its reads, in the catalog's terms. */
  tables?: string[];
  catalog?: SqlCatalogSpec;
}

/** One member per tool kind the compiler builds. */
export type ToolIR = QueryToolIR | StreamToolIR | InsertToolIR | SqlToolIR;

/** A value passed to a step: a literal, a reference, or text with references inside. */
export type ArgIR =
  | { kind: 'literal'; value: unknown }
  | { kind: 'param'; name: string }
  | {
      kind: 'step';
      step: string;
      fields: string[];
      /** A number the engine writes as text (a 64-bit integer, a decimal) passed to a param taking a number: converted. */
      asNumber?: true;
    }
  | { kind: 'template'; parts: Array<string | { kind: 'param'; name: string } | { kind: 'step'; step: string; fields: string[] }> }
  | { kind: 'list'; items: ArgIR[] }
  | { kind: 'object'; entries: Record<string, ArgIR> };

export interface StepIR {
  id: string;
  target: { kind: 'tool' | 'pipeline'; name: string };
  args: Record<string, ArgIR>;
  /** Steps whose output this step reads. */
  dependsOn: string[];
  /** Steps this one runs after though it reads nothing of theirs (`after:`). */
  after: string[];
  timeoutS: number;
  /** The callee writes: its idempotency key is derived from the pipeline's unless `with` passes one. */
  writes: boolean;
  at: DocPath;
}

/** A composite pipeline, served as a tool. Its access and reads are those of every tool it reaches. */
export interface CompositeIR extends AccessRule {
  name: string;
  identifier: string;
  title?: string;
  description: string;
  params: ParamIR[];
  inputSchema: JsonSchema;
  steps: StepIR[];
  /** What it returns: its `output`, or its last step's result; always an object (a value that is not one is wrapped as `{ result }`). */
  output: ArgIR;
  outputSchema: JsonSchema;
  /** Every resource a tool it reaches reads, in reaching order. */
  reads: string[];
  /** Every resource a tool it reaches writes: when there are any, it takes an idempotency key. */
  writes: string[];
  maxConcurrentSteps: number;
  examples?: ExampleIR[];
  /** The budget class a call takes a token from (one per call, whatever its steps); absent: not budgeted. */
  budget?: string;
  at: DocPath;
}
