/**
 * The contract between generated servers and the runtime: plain data the compiler emits and the
 * runtime serves. It depends on nothing else, so type-checking a generated server stays cheap.
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
  /** `mcpc <version>`, for /healthz and logs. */
  readonly generator: string;
  /** sha256 of the manifest, identifying exactly what this server serves. */
  readonly contentHash: string;
  readonly http: HttpSpec;
  /** How many tools or resources one list response holds; clients follow `nextCursor` for more. */
  readonly listPageSize: number;
  readonly sources: Readonly<Record<string, SourceSpec>>;
  readonly resources: readonly ResourceSpec[];
  readonly tools: readonly ToolSpec[];
}

export interface HttpSpec {
  readonly host: string;
  readonly port: number;
  readonly allowedOrigins: readonly string[];
  readonly allowedHosts: readonly string[];
}

export interface SourceSpec {
  /** A ClickHouse server over HTTP(S); when it resolves empty, the embedded engine is used. */
  readonly url?: ConfigText;
  readonly username?: ConfigText;
  readonly password?: ConfigText;
  readonly database?: ConfigText;
  /** Data directory of the embedded engine, relative to the working directory. */
  readonly embedded: ConfigText;
  /** Seed SQL file, relative to the generated server's directory. */
  readonly seedFile?: string;
  readonly limits: LimitsSpec;
}

export interface LimitsSpec {
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxExecutionTimeS: number;
}

export interface ResourceSpec {
  readonly name: string;
  readonly uri: string;
  readonly source: string;
  readonly database?: string;
  readonly table: string;
  readonly description?: string;
  readonly access: 'anonymous' | 'authenticated';
  readonly scopes: readonly string[];
}

/** A tool that runs one declared SELECT with its arguments bound server-side. */
export interface QueryToolSpec<Args> {
  readonly kind: 'query';
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly source: string;
  readonly reads: readonly string[];
  readonly inputSchema: JsonObject;
  readonly outputSchema: JsonObject;
  /** The canonical SQL proven at build time to be exactly one SELECT. */
  readonly sql: string;
  /** Maps validated arguments (defaults applied) to the query parameters of `sql`. */
  readonly bind: (args: Args) => Record<string, unknown>;
}

/** A tool as the runtime holds it, its argument type erased. */
export type ToolSpec = QueryToolSpec<JsonObject>;

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
