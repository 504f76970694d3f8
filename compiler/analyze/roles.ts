import type { JwtSpec } from '../../runtime/contract/spec.js';
import type { Reporter } from '../diagnostics/reporter.js';
import type { AuthSection, PipelineFile } from '../validate/pipeline-file.js';

/**
 * The ClickHouse role each resource names (`resources.<r>.role`), where it can apply: a role is
 * sent with the queries of the tools over a resource to a ClickHouse server, so a resource whose
 * source has no `url` (the embedded engine, which has no users or roles) cannot have one, and
 * nor can a `table_pattern` resource, which no tool reads. The name itself is checked by the
 * schema (`$defs/roleName`). A source whose url may resolve empty (an `${env:...}` with an empty
 * default) is allowed: the server says at start that the role does not apply when it does.
 */
export function resourceRoles(reporter: Reporter, file: PipelineFile): Map<string, string> {
  const roles = new Map<string, string>();
  for (const [name, section] of Object.entries(file.resources ?? {})) {
    if (section.role === undefined) continue;
    const source = file.sources[section.source];
    if (section.table_pattern !== undefined) {
      reporter.error(
        'MCPC_ROLE_UNSUPPORTED',
        ['resources', name, 'role'],
        `resource '${name}' is a table_pattern, which no tool reads, so no query would run under role '${section.role}'`,
        {
          part: 'key',
          hint: 'give the role to the resources tools read',
        },
      );
    } else if (source !== undefined && source.url === undefined) {
      reporter.error(
        'MCPC_ROLE_UNSUPPORTED',
        ['resources', name, 'role'],
        `resource '${name}' runs under role '${section.role}', but its source '${section.source}' has no url: the embedded engine has no users or roles, so the role would never apply`,
        { part: 'key', hint: `give source '${section.source}' the url of a ClickHouse server, or remove the role` },
      );
    } else if (source !== undefined) {
      roles.set(name, section.role);
    }
  }
  return roles;
}

/** `auth.jwt.role_claim` with its allow-list `auth.jwt.roles`: each needs the other (a claim without an allow-list would trust any role a token names). */
export function jwtRoles(reporter: Reporter, jwt: NonNullable<AuthSection['jwt']>): JwtSpec['roles'] {
  if (jwt.role_claim !== undefined && jwt.roles === undefined) {
    reporter.error('MCPC_SCHEMA_MISSING_KEY', ['auth', 'jwt', 'role_claim'], 'auth.jwt.role_claim needs auth.jwt.roles, the roles a token may name', {
      part: 'key',
      hint: 'list the ClickHouse roles callers may run under: roles: [analyst, ...]; a token naming any other role is refused them',
    });
    return undefined;
  }
  if (jwt.roles !== undefined && jwt.role_claim === undefined) {
    reporter.error('MCPC_SCHEMA_MISSING_KEY', ['auth', 'jwt', 'roles'], 'auth.jwt.roles is the allow-list of auth.jwt.role_claim, which is not given', {
      part: 'key',
      hint: 'add role_claim: <the claim that names roles>, or remove roles',
    });
    return undefined;
  }
  return jwt.role_claim === undefined || jwt.roles === undefined ? undefined : { claim: jwt.role_claim, allowed: [...jwt.roles] };
}
