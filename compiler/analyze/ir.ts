import type { DocPath } from '../diagnostics/diagnostic.js';
import type { Encoding } from './clickhouse-type.js';

/**
 * mcpc's intermediate representation: what the analyzer proved about a pipeline file, in the
 * form the later phases need. Later phases see only this, never YAML; `at` paths let them place
 * a diagnostic back in the file.
 */
export interface ServerIR {
  /** The pipeline file as shown to users. */
  file: string;
  name: string;
  version: string;
  description?: string;
  instructions?: string;
  http: HttpIR;
  listPageSize: number;
  sources: SourceIR[];
  resources: ResourceIR[];
  tools: ToolIR[];
  pipelines: CompositeIR[];
}

interface HttpIR {
  host: string;
  port: number;
  allowedOrigins: string[];
  allowedHosts: string[];
}

/** Text resolved when the server starts: literal parts and environment or secret references. */
export type ConfigPart = string | { env: string; default?: string } | { secret: string };
export type ConfigText = ConfigPart[];

export interface SourceIR {
  name: string;
  url?: ConfigText;
  username?: ConfigText;
  password?: ConfigText;
  database?: ConfigText;
  embedded: ConfigText;
  seed?: { path: string; fileName: string; sql: string };
  limits: { maxRows: number; maxBytes: number; maxExecutionTimeS: number };
}

export interface ResourceIR {
  name: string;
  uri: string;
  source: string;
  database?: string;
  table: string;
  description?: string;
  access: 'anonymous' | 'authenticated';
  scopes: string[];
}

export type JsonSchema = { [key: string]: unknown };

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
}

export interface ToolIR {
  kind: 'query';
  name: string;
  /** A TypeScript identifier unique in the generated file (`QueryOrders`). */
  identifier: string;
  title?: string;
  description: string;
  source: string;
  reads: string[];
  params: ParamIR[];
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  /** The canonical single-statement text proven by the engine's parser. */
  sql: string;
  bindings: BindingIR[];
  at: DocPath;
}

/** A value passed to a step: a literal, a reference, or text with references inside. */
export type ArgIR =
  | { kind: 'literal'; value: unknown }
  | { kind: 'param'; name: string }
  | { kind: 'step'; step: string; fields: string[] }
  | { kind: 'template'; parts: Array<string | { kind: 'param'; name: string } | { kind: 'step'; step: string; fields: string[] }> }
  | { kind: 'list'; items: ArgIR[] }
  | { kind: 'object'; entries: Record<string, ArgIR> };

export interface StepIR {
  id: string;
  target: { kind: 'tool' | 'pipeline'; name: string };
  args: Record<string, ArgIR>;
  /** Steps whose output this step reads. */
  dependsOn: string[];
  at: DocPath;
}

export interface CompositeIR {
  name: string;
  identifier: string;
  title?: string;
  description: string;
  params: ParamIR[];
  inputSchema: JsonSchema;
  steps: StepIR[];
  output?: ArgIR;
  at: DocPath;
}
