/**
 * The contract between generated servers and the runtime: plain data the compiler emits and the
 * runtime serves. The compiler builds its IR from these same types, so a shape is defined once.
 * It depends on nothing else, so type-checking a generated server stays cheap.
 */

export type JsonObject = { [key: string]: unknown };

/** A part of configuration text resolved at start: literal text, an environment variable, or a secret. */
export type ConfigPart = string | { readonly env: string; readonly default?: string } | { readonly secret: string };
export type ConfigText = readonly ConfigPart[];

export interface ServerSpec {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly instructions?: string;
  /** Signs stream cursors (a secret, resolved at start); without it each process has a random one. */
  readonly cursorSecret?: ConfigText;
  /** Seconds between schema drift checks (default 300; 0: at start only). */
  readonly driftCheckS?: number;
  /** Seconds calls in flight get to finish on SIGTERM/SIGINT before they are cancelled (default 10). */
  readonly shutdownTimeoutS?: number;
  /** Where a record of each tool call and pipeline step goes; absent: no audit. */
  readonly audit?: AuditSpec;
  /** `mcpc <version>`, for /healthz and logs. */
  readonly generator: string;
  /** sha256 of the manifest, identifying exactly what this server serves. */
  readonly contentHash: string;
  /**
   * The directory of the pipeline file, relative to the generated server's directory: relative
   * paths of the pipeline (embedded data directories) resolve against it, wherever the server
   * is started from.
   */
  readonly projectDir: string;
  readonly http: HttpSpec;
  /** The bounds callers meet, as the pipeline sets them; the runtime fills in the defaults. */
  readonly limits?: ServerLimitsSpec;
  /** How many tools or resources one list response holds; clients follow `nextCursor` for more. */
  readonly listPageSize: number;
  /** Seconds clients may cache list results (`server.list_ttl_s`); absent: the runtime's default. */
  readonly listTtlS?: number;
  /** Who may call, and how callers prove it; absent: anonymous callers over HTTP, the operator over stdio. */
  readonly auth?: AuthSpec;
  /** `telemetry`: spans and metrics over OTLP/HTTP when the endpoint resolves non-empty at start. */
  readonly telemetry?: TelemetrySpec;
  readonly sources: Readonly<Record<string, SourceSpec>>;
  readonly resources: readonly ResourceSpec[];
  /** Resources whose tables are found at run time by name (`table_pattern`); absent: none. */
  readonly resourcePatterns?: readonly ResourcePatternSpec[];
  /** Seconds between looks for tables that match a pattern (default 30). */
  readonly discoveryS?: number;
  readonly tools: readonly ToolSpec[];
  /** `budgets:`: token buckets per caller and class; absent: no call is budgeted. */
  readonly budgets?: BudgetsSpec;
  /** `state:`: where budgets and idempotency records live; absent: in this process's memory. */
  readonly state?: StateSpec;
}

/** `budgets:` of a pipeline (tools name their class in `ToolSpec.budget`). */
export interface BudgetsSpec {
  readonly classes: Readonly<Record<string, BudgetClassSpec>>;
  /** How anonymous callers are told apart (default `address`). */
  readonly anonymousKey?: 'address' | 'shared' | { readonly header: string };
  /** Buckets each class holds in memory at once (default 100000). */
  readonly maxBuckets?: number;
}

/** A budget class: `rate` calls per `per` to each caller, refilled evenly; `rate` is also the burst. */
export interface BudgetClassSpec {
  readonly rate: number;
  readonly per: 'second' | 'minute' | 'hour' | 'day';
}

/** `state:` of a pipeline: budgets and idempotency records in Redis, shared by every replica. */
export interface StateSpec {
  readonly redis: ConfigText;
}

/** `telemetry` of a pipeline. */
export interface TelemetrySpec {
  /** The OTLP/HTTP base URL (`/v1/traces` and `/v1/metrics` are appended); empty: no telemetry at all. */
  readonly otlpEndpoint: ConfigText;
}

/** `audit` of a pipeline: the sink, where records wait while it fails, and whose arguments are kept whole. */
export interface AuditSpec {
  readonly sink: AuditSinkSpec;
  /** A directory, relative to the pipeline file like every path of the pipeline. */
  readonly spool: ConfigText;
  /** Tools and pipelines whose arguments are recorded as sent; the others record a SHA-256 of them. */
  readonly recordArguments: readonly string[];
}

export type AuditSinkSpec =
  /** JSON lines, rotated at `maxBytes`. */
  | { readonly kind: 'file'; readonly path: ConfigText; readonly maxBytes: number }
  /** A table on a ClickHouse server of its own (over HTTP), never a source's connection. */
  | {
      readonly kind: 'clickhouse';
      readonly url: ConfigText;
      readonly table: string;
      readonly username?: ConfigText;
      readonly password?: ConfigText;
      readonly database?: ConfigText;
    };

/** `auth` of a pipeline: the identity providers a server accepts tokens from. */
export interface AuthSpec {
  readonly jwt?: JwtSpec;
  readonly apiKeys?: { readonly file: ConfigText };
  /** Callers without credentials are served (they see `access: anonymous` resources only). */
  readonly anonymous: boolean;
  /** The public URL of this server's MCP endpoint, as RFC 9728 metadata names it; absent: from the request's Host. */
  readonly resource?: string;
  /** Every scope a resource requires, for the metadata's `scopes_supported`. */
  readonly scopesSupported: readonly string[];
}

/** JWT bearer tokens from one issuer, verified against its JWKS or a static public key. */
export interface JwtSpec {
  readonly issuer: string;
  readonly audience: string;
  /** Exactly one of `jwksUrl` and `publicKey`. */
  readonly jwksUrl?: ConfigText;
  /** A PEM (SPKI) public key. */
  readonly publicKey?: ConfigText;
  /** Asymmetric algorithms only; `none` and HMAC are refused at build time. */
  readonly algorithms: readonly string[];
  /** The claim scopes come from: `scope` (space-separated text) or `scp` (a list). */
  readonly scopesClaim: 'scope' | 'scp';
  readonly clockSkewS: number;
  /** Least seconds between JWKS fetches for unknown key ids. */
  readonly jwksCooldownS: number;
  /** `role_claim` and its allow-list `roles`: a caller's ClickHouse roles from its token (see runtime/auth/roles.ts). */
  readonly roles?: { readonly claim: string; readonly allowed: readonly string[] };
}

export interface HttpSpec {
  readonly host: string;
  readonly port: number;
  readonly allowedOrigins: readonly string[];
  readonly allowedHosts: readonly string[];
}

/** `server.limits` of a pipeline: each unset one takes its default (see `resolveServerLimits`). */
export interface ServerLimitsSpec {
  readonly maxConcurrentCalls?: number;
  readonly maxQueuedCalls?: number;
  readonly queueTimeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly maxPendingBodies?: number;
  readonly requestTimeoutS?: number;
  readonly maxArgumentDepth?: number;
  readonly maxConcurrentStreams?: number;
  readonly maxStreamBufferBytes?: number;
  readonly streamTimeoutS?: number;
  readonly idempotencyTtlS?: number;
  readonly idempotencyMaxKeys?: number;
}

export interface SourceSpec {
  /** A ClickHouse server over HTTP(S); when it resolves empty, the embedded engine is used. */
  readonly url?: ConfigText;
  readonly username?: ConfigText;
  readonly password?: ConfigText;
  readonly database?: ConfigText;
  /** Data directory of the embedded engine; a relative path is relative to the pipeline file. */
  readonly embedded: ConfigText;
  readonly seed?: SeedSpec;
  readonly limits: LimitsSpec;
}

/** SQL run once on an empty embedded database. */
export interface SeedSpec {
  /** The copy in the build, relative to the generated server's directory. */
  readonly file: string;
  /** The seed file as written in the pipeline (relative to the pipeline file), for messages. */
  readonly origin: string;
}

export interface LimitsSpec {
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxExecutionTimeS: number;
  /** The engine's memory cap for one query (`max_memory_usage`). */
  readonly maxMemoryBytes: number;
}

/** Who may see a resource or a tool. */
export type AccessLevel = 'anonymous' | 'authenticated';

/**
 * What a caller needs to see something: a resource says it itself; a tool's is derived at build
 * time from every resource it touches (see `requiredAccess`).
 */
export interface AccessRule {
  readonly access: AccessLevel;
  /** Scopes a caller's credentials must all carry (authenticated access only); absent: none. */
  readonly scopes?: readonly string[];
}

export interface ResourceSpec extends AccessRule {
  readonly name: string;
  readonly uri: string;
  readonly source: string;
  readonly database?: string;
  readonly table: string;
  readonly description?: string;
  /** The table's columns as the build-time catalog knows them; absent when its source has no schema. */
  readonly columns?: readonly ColumnSpec[];
  /** The ClickHouse role the queries of tools over it run under on a ClickHouse server (see runtime/call/roles.ts). */
  readonly role?: string;
}

/**
 * A resource over every table of a database whose name matches a pattern, looked for at run time:
 * each table found is served as a resource of its own, under the pattern's access rule.
 */
export interface ResourcePatternSpec extends AccessRule {
  readonly name: string;
  /** The URI of the pattern; a table found under it is `<uri>/<table>`. */
  readonly uri: string;
  readonly source: string;
  readonly database?: string;
  /** The table names it matches: `*` stands for any run of characters, everything else for itself. */
  readonly tablePattern: string;
  readonly description?: string;
}

/** A column of a table, as the source's schema declares it. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/** What every tool declares, whatever its kind. */
interface ToolSpecBase extends AccessRule {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  /** Resources the tool reads (a pipeline: those of every tool it reaches); its access is what they require. */
  readonly reads: readonly string[];
  readonly inputSchema: JsonObject;
  /** The budget class a call of it takes a token from (a class of `ServerSpec.budgets`); absent: not budgeted. */
  readonly budget?: string;
}

/** A column of a tool's result: its name and ClickHouse type, as the build-time catalog resolved them. */
export interface ResultColumnSpec<Name extends string = string> {
  readonly name: Name;
  readonly type: string;
}

/** A tool that runs one declared SELECT with its arguments bound server-side. */
export interface QueryToolSpec<Args = JsonObject, Row = JsonObject> extends ToolSpecBase {
  readonly kind: 'query';
  /** The source it runs on. */
  readonly source: string;
  /** Its result columns, one per key of `Row`; absent when its source has no schema (rows are then untyped). */
  readonly columns?: ReadonlyArray<ResultColumnSpec<keyof Row & string>>;
  /** SQL proven at build time to be exactly one SELECT (it formats to the text that was proven). */
  readonly sql: string;
  /** Maps validated arguments (defaults applied) to the query parameters of `sql`; absent when it has none. */
  readonly bind?: (args: Args) => Record<string, unknown>;
  /** For list params read by `format()`: what runs in place of the call when the list is empty. */
  readonly emptyInputs?: Readonly<Record<string, EmptyInputSpec>>;
  /**
   * When its SQL ends in an ORDER BY of result columns (as a stream's must): a result cut at the
   * source's limits comes with a cursor, and a call with it resumes after the last row's key.
   */
  readonly key?: readonly StreamKeyColumn[];
  /** The query parameters the build described the SQL with, which the drift check binds again; absent without placeholders. */
  readonly samples?: Readonly<Record<string, unknown>>;
}

/** A column of a stream's key: the SQL's `ORDER BY` columns, in order, each with its direction. */
export interface StreamKeyColumn {
  readonly name: string;
  /** The ClickHouse type of the column, as the catalog resolved it (binds the cursor's value). */
  readonly type: string;
  readonly descending: boolean;
  /** How a cursor's value is bound back: DateTime values (returned as RFC 3339) as epoch seconds. */
  readonly encoding: 'value' | 'epoch-seconds';
}

/**
 * A tool that reads one declared SELECT page by page, each page resumed after the previous one's
 * last key (stateless signed cursors), or as live batches to a client that takes partial results.
 */
export interface StreamToolSpec<Args = JsonObject, Row = JsonObject> extends ToolSpecBase {
  readonly kind: 'stream';
  readonly source: string;
  readonly columns: ReadonlyArray<ResultColumnSpec<keyof Row & string>>;
  /** The SQL's ORDER BY columns: a page resumes after the last row's values of them. */
  readonly key: readonly StreamKeyColumn[];
  /** SQL proven at build time to be one SELECT, ending in ORDER BY the key; pages are built on it (runtime/contract/stream.ts). */
  readonly sql: string;
  readonly bind?: (args: Args) => Record<string, unknown>;
  readonly emptyInputs?: Readonly<Record<string, EmptyInputSpec>>;
  readonly batchSize: number;
  readonly maxLatencyMs: number;
  readonly maxRows: number;
  /** As a query tool's. */
  readonly samples?: Readonly<Record<string, unknown>>;
}

/**
 * A tool that inserts rows into one declared table: in one INSERT per call, on the source's write
 * connection, deduplicated by its idempotency key (see runtime/call/idempotency.ts).
 */
export interface InsertToolSpec<Row = JsonObject> extends ToolSpecBase {
  readonly kind: 'insert';
  readonly source: string;
  /** The resource it writes (one), whose access is the tool's. */
  readonly writes: readonly string[];
  /** The table, as the resource names it. */
  readonly table: { readonly database?: string; readonly name: string };
  /** The columns a row may set, one per key of `Row`, as the build-time catalog knows them. */
  readonly columns: ReadonlyArray<ResultColumnSpec<keyof Row & string>>;
  /** Rows one call may insert. */
  readonly maxRows: number;
}

/**
 * A tool that runs one SELECT written by the agent, over the tables of its reads only: the SQL
 * guard (runtime/sql-guard/) checks the text with ClickHouse's own parser and query tree, against
 * the source's catalog in an engine that holds no data, and the canonical text it approved runs
 * under `readonly=1` with the tool's limits.
 */
export interface SqlToolSpec extends ToolSpecBase {
  readonly kind: 'sql';
  readonly source: string;
  /** The longest SQL text a call may send, in characters. */
  readonly maxSqlLength: number;
  /** The limits its reads run under: its source's, or tighter ones of its own. */
  readonly limits: LimitsSpec;
  /** The tables, views and dictionaries it may read, as `database.table` in the catalog's terms. */
  readonly tables: readonly string[];
  /** What the guard checks SQL against: the source's DDL, loaded into an engine of its own with no data. */
  readonly catalog: SqlCatalogSpec;
}

/** A source's DDL (its schema files, or its seed's CREATE statements), one statement each, and the database they run in. */
export interface SqlCatalogSpec {
  readonly database: string;
  readonly ddl: readonly string[];
}

/**
 * A `format(<fmt>, '<structure>', {param:String})` call in a tool's SQL and its empty form,
 * `null('<structure>')`: ClickHouse's `format()` fails on data without rows, so an empty list
 * runs the same query over an empty table of the same structure (proven at build time too).
 */
export interface EmptyInputSpec {
  /** Where the call starts in `sql`. */
  readonly offset: number;
  readonly call: string;
  readonly replacement: string;
}

/**
 * A composite pipeline served as a tool: a DAG of steps, each calling a tool or another pipeline
 * in-process with arguments computed from the pipeline's params and earlier steps' results.
 */
export interface PipelineToolSpec extends ToolSpecBase {
  readonly kind: 'pipeline';
  /** In an order where every step comes after those it waits for. */
  readonly steps: readonly StepSpec[];
  /** What the pipeline returns (an object). */
  readonly output: ArgSpec;
  readonly outputSchema: JsonObject;
  /** Resources written by the tools it reaches: it then takes an `idempotency_key`, and derives each write step's from it. */
  readonly writes?: readonly string[];
  /** Steps of one call running at once. */
  readonly maxConcurrentSteps: number;
}

/** One step of a pipeline. */
export interface StepSpec {
  readonly id: string;
  /** The tool or pipeline it calls. */
  readonly call: string;
  readonly with: Readonly<Record<string, ArgSpec>>;
  /** Steps that must finish first: those whose results it reads, and those its `after` names. */
  readonly after: readonly string[];
  readonly timeoutS: number;
  /** The callee writes: unless `with` passes one, its idempotency key is the pipeline's key and this step's id. */
  readonly writes?: true;
}

/** A value computed per call: a literal, a param, a field of an earlier step's result, text, a list or an object of them. */
export type ArgSpec =
  | { readonly literal: unknown }
  | { readonly param: string }
  | {
      readonly step: string;
      readonly fields: readonly string[];
      /** The field is a number the engine wrote as text (a 64-bit integer, a decimal) and the param takes a number. */
      readonly asNumber?: true;
    }
  | { readonly template: ReadonlyArray<string | { readonly param: string } | { readonly step: string; readonly fields: readonly string[] }> }
  | { readonly list: readonly ArgSpec[] }
  | { readonly object: Readonly<Record<string, ArgSpec>> };

/** A tool as the runtime holds it, its argument type erased: one member per kind. */
export type ToolSpec = QueryToolSpec | StreamToolSpec | InsertToolSpec | SqlToolSpec | PipelineToolSpec;

/** The kinds of tool this runtime serves. */
export type ToolKindName = ToolSpec['kind'];

declare global {
  /**
   * Generated servers pass `import.meta.url` to `main` and are type-checked without Node's type
   * declarations (to keep builds fast); this declares the one property they use, identically
   * to how @types/node and the DOM library declare it.
   */
  interface ImportMeta {
    url: string;
  }
}
