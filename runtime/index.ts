/**
 * The runtime API generated servers import as `mcpc/runtime`. Kept small on purpose: a
 * generated server is type-checked against these declarations on every build.
 */
export type { ConfigPart, ConfigText, HttpSpec, JsonObject, LimitsSpec, QueryToolSpec, ResourceSpec, ServerSpec, SourceSpec, ToolSpec } from './contract.js';
export { queryTool, toEpochSeconds } from './define.js';
export { main } from './main.js';
