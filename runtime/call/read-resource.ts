import { ProtocolError, ProtocolErrorCode, type ReadResourceResult } from '@modelcontextprotocol/server';
import { healthReport } from '../health.js';
import { HEALTH_URI } from '../protocol/catalog.js';
import { MANIFEST_URI } from '../protocol/manifest-resource.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import type { Column } from '../sources/source.js';
import { authorizeResource } from './authorize.js';
import type { CallContext } from './context.js';

/**
 * Answers one `resources/read` through the same authorization as tools: the resource's columns
 * and their ClickHouse types, described by its source now.
 */
export async function readResource(runtime: Runtime, context: CallContext, uri: string): Promise<ReadResourceResult> {
  if (uri === HEALTH_URI) return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(await healthReport(runtime), null, 2) }] };
  // The caller's own view of the manifest; a server without one has no such resource.
  const manifest = uri === MANIFEST_URI ? runtime.catalog.viewFor(context.principal).manifestText : undefined;
  if (manifest !== undefined) return { contents: [{ uri, mimeType: 'application/json', text: manifest }] };
  const resource = authorizeResource(runtime, context, uri);
  const source = runtime.sources.get(resource.source);
  if (!source) throw new ProtocolError(ProtocolErrorCode.InternalError, `resource source '${resource.source}' is not open`);
  let columns: readonly Column[];
  try {
    // The columns the build checked every tool against; a source without a schema is asked now.
    columns = resource.columns ?? (await source.describeTable(resource.database, resource.table));
  } catch (error) {
    log.warn('resource read failed', { resource: resource.name, request_id: context.requestId, error: (error as Error).message });
    throw new ProtocolError(ProtocolErrorCode.InternalError, `cannot describe ${resource.name}: the source is unavailable`);
  }
  const body = {
    resource: resource.name,
    source: resource.source,
    ...(resource.database === undefined ? {} : { database: resource.database }),
    table: resource.table,
    ...(resource.description === undefined ? {} : { description: resource.description }),
    columns,
    ...(columns.length === 0 ? { note: 'the table does not exist in the source (yet)' } : {}),
  };
  return { contents: [{ uri: resource.uri, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
}
