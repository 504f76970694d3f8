import type { Principal } from '../contract/access.js';
import type { LimitsSpec, ResourceSpec, ServerSpec, ToolSpec } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';
import { log } from '../log.js';
import { type InsertRequest, type Row, type SelectRequest, type Source, type StreamRequest, sourceFacts } from '../sources/source.js';

/**
 * The ClickHouse roles a call's queries run under, on a ClickHouse server (`source.engine` is
 * `remote`); they travel with each query as the HTTP `role` parameter, so the server activates
 * exactly those roles for that query (as `SET ROLE` would) and no other of the connection user's.
 *
 * - A JWT caller whose roles come from its token (`auth.jwt.role_claim`, kept to `auth.jwt.roles`)
 *   runs under its own roles, and only those: the resources' roles do not join them. ClickHouse
 *   combines the row policies of several active roles permissively (a row any of them lets through
 *   is read), so adding a resource's role to a caller's would widen what the caller reads past
 *   what its own role allows. A caller whose claim names no allowed role is refused (AUTH.NO_ROLE),
 *   before any query, on every tool that reaches a ClickHouse server: it never runs under the
 *   connection user's default roles.
 * - Every other caller (anonymous, an API key, the operator, a JWT when the pipeline takes no
 *   roles from tokens) runs under the roles of the resources the tool reads or writes on that
 *   source (`resources.<r>.role`), each once; a tool whose resources name none sends no role, and
 *   the connection user's default roles apply, as before roles existed.
 *
 * The embedded engine has no users or roles: nothing is sent there, and the server says so at start.
 */
export function queryRoles(runtime: RolesView, principal: Principal, tool: ToolSpec, source: Source): readonly string[] | undefined {
  if (source.engine !== 'remote') return undefined;
  if (principal.roles !== undefined) {
    if (principal.roles.length === 0) throw noRole(runtime.spec);
    return principal.roles;
  }
  const touched = new Set([...tool.reads, ...writesOf(tool)]);
  const roles = [...runtime.resources.values()]
    .filter((resource) => touched.has(resource.name) && resource.source === source.name && resource.role !== undefined)
    .map((resource) => resource.role!);
  return roles.length === 0 ? undefined : [...new Set(roles)].sort();
}

/**
 * Refuses, before any work, a caller whose token named no allowed role, when the tool (a
 * pipeline: any tool it reaches) runs on a ClickHouse server. A tool only on the embedded engine
 * is served: roles do not exist there.
 */
export function assertCallerRoles(
  runtime: RolesView & { readonly tools: ReadonlyMap<string, { readonly spec: ToolSpec }> },
  principal: Principal,
  tool: ToolSpec,
): void {
  if (principal.roles === undefined || principal.roles.length > 0) return;
  for (const name of sourcesReached(runtime, tool, new Set())) {
    if (runtime.sources.get(name)?.engine === 'remote') throw noRole(runtime.spec);
  }
}

/** What roles are decided from: the spec (its auth), the resources by URI, the open sources. */
export interface RolesView {
  readonly spec: ServerSpec;
  readonly resources: ReadonlyMap<string, ResourceSpec>;
  readonly sources: ReadonlyMap<string, Source>;
}

function noRole(spec: ServerSpec): ToolFailure {
  const claim = spec.auth?.jwt?.roles?.claim ?? 'role';
  return new ToolFailure(
    'AUTH.NO_ROLE',
    `the token's '${claim}' claim names no ClickHouse role this server allows, and tools on ClickHouse run only under an allowed role; ask for a token that names one`,
  );
}

function writesOf(tool: ToolSpec): readonly string[] {
  return 'writes' in tool && tool.writes !== undefined ? tool.writes : [];
}

/** The sources a tool may query: its own, those of the resources it touches, and a pipeline's steps' (recursively). */
function sourcesReached(runtime: Parameters<typeof assertCallerRoles>[0], tool: ToolSpec, seen: Set<string>): Set<string> {
  const sources = new Set<string>();
  if (seen.has(tool.name)) return sources;
  seen.add(tool.name);
  if ('source' in tool) sources.add(tool.source);
  const touched = new Set([...tool.reads, ...writesOf(tool)]);
  for (const resource of runtime.resources.values()) if (touched.has(resource.name)) sources.add(resource.source);
  if ('steps' in tool) {
    for (const step of tool.steps) {
      const callee = runtime.tools.get(step.call);
      if (callee) for (const name of sourcesReached(runtime, callee.spec, seen)) sources.add(name);
    }
  }
  return sources;
}

/** The source as one tool's queries use it: each read, stream and insert carries `roles`. */
export function withRoles(source: Source, roles: readonly string[] | undefined): Source {
  if (roles === undefined) return source;
  return {
    ...sourceFacts(source),
    select: (request: SelectRequest): Promise<Row[]> => source.select({ ...request, roles }),
    selectWritten: (request: SelectRequest, limits: LimitsSpec): Promise<Row[]> => source.selectWritten({ ...request, roles }, limits),
    stream: (request: StreamRequest): AsyncIterable<Row[]> => source.stream({ ...request, roles }),
    insert: (request: InsertRequest): Promise<void> => source.insert({ ...request, roles }),
    describeTable: (database, table) => source.describeTable(database, table),
    health: () => source.health(),
    close: () => source.close(),
  };
}

/**
 * Says at start (and at each reload) where roles cannot apply: a source that runs on the embedded
 * engine (its url resolved empty) while resources on it name roles, or while callers' roles come
 * from tokens. Never silent: the operator reads that those queries run without roles.
 */
export function warnRolesOnEmbedded(spec: ServerSpec, sources: ReadonlyMap<string, Source>): void {
  for (const [name, source] of sources) {
    if (source.engine !== 'embedded') continue;
    const named = spec.resources.filter((resource) => resource.source === name && resource.role !== undefined).map((resource) => resource.name);
    if (named.length > 0) {
      log.warn('roles do not apply on the embedded engine', {
        source: name,
        resources: named,
        note: 'the source runs on the embedded engine (its url resolved empty), which has no users or roles: queries over these resources run without their roles',
      });
    }
    if (spec.auth?.jwt?.roles !== undefined) {
      log.warn('roles do not apply on the embedded engine', {
        source: name,
        note: `callers' roles from the '${spec.auth.jwt.roles.claim}' claim do not apply to this source's tools, and a token naming no allowed role is not refused them`,
      });
    }
  }
}
