/**
 * Every diagnostic code mcpc can report, each with its one-line explanation (listed in the
 * README). The object is the closed union: a code that is not here cannot be reported, and a
 * test fails when the README and this list differ.
 */
export const DIAGNOSTIC_CODES = {
  MCPC_FILE_NOT_FOUND: 'The pipeline file does not exist or cannot be read.',
  MCPC_YAML_SYNTAX: 'The file is not valid YAML.',
  MCPC_YAML_DUPLICATE_KEY: 'A key appears twice in the same mapping; YAML would silently keep only one.',

  MCPC_SCHEMA_UNKNOWN_KEY: 'A key the pipeline language does not define (often a typo).',
  MCPC_SCHEMA_MISSING_KEY: 'A required key is missing.',
  MCPC_SCHEMA_WRONG_TYPE: 'A value has the wrong type (for example text where a number belongs).',
  MCPC_SCHEMA_NOT_ALLOWED: 'A value is not one of the values allowed at that place.',
  MCPC_SCHEMA_INVALID_NAME: 'A name is not valid (tool names must be valid MCP tool names, params valid ClickHouse identifiers).',
  MCPC_SCHEMA_OUT_OF_RANGE: 'A number or length is outside the allowed range.',
  MCPC_SCHEMA_INVALID: 'A value breaks another rule of the pipeline schema.',

  MCPC_REF_UNKNOWN_SOURCE: 'A tool or resource names a source that is not defined.',
  MCPC_REF_UNKNOWN_RESOURCE: 'A tool reads a resource that is not defined.',
  MCPC_RESOURCE_TABLE: 'A resource gives neither `table` nor `table_pattern`, or both.',
  MCPC_PATTERN_INVALID: 'A `table_pattern` has no `*` (it is one table: use `table`) or characters a pattern cannot hold.',
  MCPC_PATTERN_READ: 'A tool reads or writes a `table_pattern` resource, whose tables are only known at run time.',
  MCPC_REF_UNKNOWN_TOOL: 'A pipeline step calls a tool or pipeline that is not defined.',
  MCPC_REF_UNKNOWN_PARAM: 'An expression `${params.x}` names a param the pipeline does not declare.',
  MCPC_REF_UNKNOWN_STEP: 'An expression `${steps.x...}` names a step that does not exist.',
  MCPC_REF_UNKNOWN_FIELD: "An expression `${steps.x.field}` names a field the step's output does not have.",
  MCPC_REF_BAD_EXPRESSION: 'A `${...}` expression is malformed or not allowed where it is written.',
  MCPC_SOURCE_AMBIGUOUS: 'A tool does not say which source it runs on, and it cannot be inferred.',
  MCPC_SOURCE_MISMATCH: 'A tool reads resources that live on different sources, or on another source than the one it names.',

  MCPC_SQL_SYNTAX: "ClickHouse's own parser rejects the SQL.",
  MCPC_SQL_MULTI_STATEMENT: 'The SQL holds more than one statement.',
  MCPC_SQL_NOT_SELECT: 'A query tool runs something other than a SELECT.',
  MCPC_SQL_FORBIDDEN_CLAUSE: 'The SQL uses FORMAT, INTO OUTFILE or SETTINGS, which the server controls itself.',
  MCPC_SQL_PLACEHOLDER_UNDECLARED: 'A `{name:Type}` placeholder has no declared param.',
  MCPC_SQL_PLACEHOLDER_UNTYPED: 'A placeholder is written `{name}`, without the ClickHouse type its value is bound as.',
  MCPC_SQL_PARAM_UNUSED: 'A declared param is never used by the SQL.',
  MCPC_SQL_PLACEHOLDER_CONFLICT: 'The same placeholder is used with two different ClickHouse types.',
  MCPC_SQL_TYPE_UNSUPPORTED: 'A placeholder uses a ClickHouse type mcpc cannot bind from JSON.',
  MCPC_SQL_UNKNOWN_TABLE: "A tool's SQL reads a table or view its source's schema does not have.",
  MCPC_SQL_UNKNOWN_COLUMN: "A tool's SQL uses a column (or name) that the tables it reads do not have.",
  MCPC_SQL_INVALID: "ClickHouse refuses a tool's SQL against the source's schema (for example a function given a value of the wrong type).",
  MCPC_SQL_READS_UNDECLARED: "A tool's SQL reads a table that none of the resources in its `reads` names.",
  MCPC_SQL_EXTERNAL_READ: "A tool's SQL uses a table function that reaches outside the database (`file`, `url`, `s3`, `remote`, ...).",
  MCPC_SQL_TYPE_MISMATCH: "A param's JSON Schema type does not agree with its placeholder's ClickHouse type.",
  MCPC_SQL_NOT_NULLABLE: 'A param that may be null (default: null) is bound to a placeholder that cannot be NULL.',

  MCPC_PARAM_INVALID: 'A param declaration contradicts itself (for example a default that breaks its own rules).',
  MCPC_STEP_ARG_UNKNOWN: 'A step passes an argument the called tool does not declare.',
  MCPC_STEP_ARG_MISSING: 'A step does not pass an argument the called tool requires.',
  MCPC_STEP_ARG_TYPE: 'A step passes a value whose type the called tool does not accept.',
  MCPC_STEP_ARG_RANGE:
    'A step passes a value some of whose possible values the called tool refuses (a wider range, any text where a format is taken, an optional field): those fail when the step runs.',
  MCPC_ACCESS_CONFLICT:
    'Access rules contradict each other: scopes on an anonymous resource, scopes without an auth section to grant them, or no caller who could ever be served.',
  MCPC_ROLE_UNSUPPORTED:
    'A resource names a ClickHouse `role` that could never apply: its source has no `url` (the embedded engine has no roles), or it is a `table_pattern` no tool reads.',
  MCPC_NAME_CONFLICT: 'A pipeline and a tool share a name; both would become MCP tools.',
  MCPC_INTERPOLATION_INVALID: 'An `${env:...}` or `${secret:...}` reference is malformed.',
  MCPC_SECRET_LITERAL: 'A password is written into the pipeline file instead of coming from `${secret:...}` or `${env:...}`.',
  MCPC_SEED_NOT_FOUND: 'The seed SQL file of an embedded source does not exist.',
  MCPC_CATALOG_FILE_NOT_FOUND: 'A schema (DDL) file a source names does not exist.',
  MCPC_CATALOG_DDL_INVALID: "A statement of a source's schema (DDL) does not run in ClickHouse.",
  MCPC_CATALOG_UNKNOWN_TABLE: "A resource names a table its source's schema does not have.",
  MCPC_RESULT_UNTYPED: 'A column a tool returns has a type mcpc gives no JSON Schema (JSON, Dynamic, Variant, AggregateFunction, ...): clients see it untyped.',
  MCPC_STREAM_ORDER:
    "A stream tool's SQL has no order a page can resume after: no top-level ORDER BY of result columns, a LIMIT, a UNION, an expression or a Nullable column in the ORDER BY.",
  MCPC_STREAM_KEY: "A stream tool's stream.key is not the ORDER BY columns of its SQL.",
  MCPC_STREAM_UNTYPED: "A stream tool's result columns are unknown at build time (its source has no schema or seed), so its key cannot be typed.",
  MCPC_SQL_TOOL_UNCATALOGED:
    "A sql tool's source has neither a schema nor a seed, so the tables its agent may read, and the catalog its SQL is checked against at run time, are unknown.",
  MCPC_SQL_TOOL_LIMIT: "A sql tool sets a limit looser than its source's; a tool's limits may only tighten them.",
  MCPC_SQL_TOOL_READS: "A sql tool reads a resource its guard cannot check against the catalog (a table the source's schema does not have).",
  MCPC_INSERT_TARGET:
    "An insert tool does not name exactly one resource it writes, its table is not that resource's, or the table takes no inserts (a view, a system table).",
  MCPC_INSERT_UNTYPED: "An insert tool's source has no schema or seed, so the columns its rows must have are unknown at build time.",
  MCPC_INSERT_NO_DEDUP:
    'The table an insert tool writes keeps no insert deduplication tokens, so ClickHouse would write a replayed insert twice once the server has forgotten its key.',
  MCPC_INSERT_UNCHECKED: 'A column an insert tool writes has a type mcpc gives no JSON Schema, so its values reach the engine unchecked.',
  MCPC_CATALOG_MISSING: 'A source has neither a schema nor a seed, so the checks that need its tables are skipped for its tools.',
  MCPC_REF_UNKNOWN_BUDGET: 'A tool, a pipeline or `budgets.default` names a budget class that `budgets:` does not declare.',
  MCPC_BUDGET_UNUSED: 'A budget class (or a whole `budgets:` section) that no tool or pipeline takes from, so it limits nothing.',
  MCPC_STATE_URL: '`state.redis` is not a redis:// or rediss:// URL with a host.',
  MCPC_AUDIT_SINK: 'The audit sink is misconfigured: a key of the other kind of sink, or a ClickHouse sink without a server of its own (url).',
  MCPC_AUDIT_ARGUMENTS: '`audit.record_arguments` names a tool or pipeline that is not defined.',
  MCPC_UNSUPPORTED: 'The language accepts this, but this version of mcpc does not build it yet.',

  MCPC_GRAPH_CYCLE: 'Pipelines call each other in a loop.',
  MCPC_GRAPH_STEP_CYCLE: 'Steps of one pipeline wait for each other (through their outputs or `after`) in a loop.',

  MCPC_EXAMPLE_ARGS_INVALID: "An example's arguments do not pass the tool's params.",
  MCPC_EXAMPLE_UNKNOWN_COLUMN: "An example expects a column the tool's result does not have.",
  MCPC_EXAMPLE_ROWS_RANGE: "An example's `rows: { min, max }` has min above max.",
  MCPC_EXAMPLE_NOT_ROWS: 'An example expects rows of a tool or pipeline whose result has none.',
  MCPC_EXAMPLE_WRITES: 'A pipeline that writes has examples, which `mcpc test` would run against real sources.',
  MCPC_TOOL_BUDGET: 'The tools/list some caller reads is estimated at more tokens than `server.tool_budget_tokens`.',
  MCPC_VERSION_BUMP: 'server.version is not bumped as far as the changes since the contract given to `check --against` need.',
  MCPC_CONTRACT_UNREADABLE:
    'The contract given to `check --against` cannot be read: not a manifest, a pipeline that does not build, or a git ref that does not exist.',
  MCPC_BUILD_STALE: 'The build output on disk differs from what the compiler emits now (run `mcpc build`).',
  MCPC_INTERNAL: 'mcpc itself failed; this is a bug to report, not a mistake in the pipeline.',
} as const;

/** A stable diagnostic code. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
