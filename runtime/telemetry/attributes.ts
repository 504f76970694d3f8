/**
 * Attribute and metric names mcpc's telemetry uses. The stable ones come from
 * @opentelemetry/semantic-conventions; those still in development (MCP, GenAI, JSON-RPC) are
 * spelled here, as that package advises rather than importing its incubating entry point.
 */
export {
  ATTR_CLIENT_ADDRESS,
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  METRIC_DB_CLIENT_OPERATION_DURATION,
} from '@opentelemetry/semantic-conventions';

/** MCP semantic conventions (development). */
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
export const ATTR_JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
export const METRIC_MCP_SERVER_OPERATION_DURATION = 'mcp.server.operation.duration';
/** The buckets the MCP conventions advise for operation durations, in seconds. */
export const MCP_DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

/** Database conventions still in development. */
export const ATTR_DB_RESPONSE_RETURNED_ROWS = 'db.response.returned_rows';
export const DB_SYSTEM_CLICKHOUSE = 'clickhouse';

/** mcpc's own: the request id (also the ClickHouse query_id), the pipeline and step of a step's span, rows of a result. */
export const ATTR_MCPC_REQUEST_ID = 'mcpc.request_id';
export const ATTR_MCPC_PIPELINE = 'mcpc.pipeline.name';
export const ATTR_MCPC_STEP = 'mcpc.step.id';
export const ATTR_MCPC_ROWS = 'mcpc.row_count';
export const METRIC_MCPC_CALLS = 'mcpc.tool.calls';
export const METRIC_MCPC_ERRORS = 'mcpc.tool.errors';
export const METRIC_MCPC_ROWS = 'mcpc.tool.rows';
