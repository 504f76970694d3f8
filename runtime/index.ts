/**
 * The runtime API generated servers import as `mcpc/runtime`. Kept small on purpose: a
 * generated server is type-checked against these declarations on every build.
 */
export type {
  AccessLevel,
  AccessRule,
  ConfigPart,
  ColumnSpec,
  ConfigText,
  EmptyInputSpec,
  HttpSpec,
  JsonObject,
  LimitsSpec,
  QueryToolSpec,
  ResourceSpec,
  SeedSpec,
  ServerLimitsSpec,
  ServerSpec,
  SourceSpec,
  ToolSpec,
} from './contract/spec.js';
export { queryTool, toEpochSeconds } from './define.js';
export { main } from './main.js';
