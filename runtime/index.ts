/**
 * The runtime API generated servers import as `mcpc/runtime`. Kept small on purpose: a
 * generated server is type-checked against these declarations on every build.
 */
export type {
  AccessLevel,
  AccessRule,
  ArgSpec,
  ConfigPart,
  ColumnSpec,
  ConfigText,
  EmptyInputSpec,
  HttpSpec,
  InsertToolSpec,
  JsonObject,
  LimitsSpec,
  PipelineToolSpec,
  QueryToolSpec,
  ResourceSpec,
  ResultColumnSpec,
  SeedSpec,
  ServerLimitsSpec,
  ServerSpec,
  SourceSpec,
  StepSpec,
  StreamKeyColumn,
  StreamToolSpec,
  ToolSpec,
} from './contract/spec.js';
export { insertTool, pipelineTool, queryTool, sqlTool, streamTool, toEpochSeconds } from './define.js';
export { main } from './main.js';
