import type { AccessLevel, AccessRule } from './spec.js';

/**
 * Who is calling, resolved per request by the transport. `anonymous`: a caller without
 * credentials. `operator`: the local operator who launched the server over stdio with their own
 * credentials (and no token), who may see everything. `user`: a caller whose token the server
 * verified (a JWT or an API key), with the scopes that token grants.
 */
export interface Principal {
  /** Stable identity for logs, ClickHouse's query log and quotas: never a credential. */
  readonly id: string;
  readonly kind: 'anonymous' | 'operator' | 'user';
  readonly scopes: readonly string[];
  /**
   * The ClickHouse roles the caller's token names and the pipeline allows (`auth.jwt.role_claim`,
   * filtered to `auth.jwt.roles`): present only for a JWT caller when the pipeline takes roles
   * from a claim, and then its queries on a ClickHouse server run under exactly these; empty: the
   * claim named no allowed role, and the caller is refused every tool on a ClickHouse server.
   * Absent: the roles of the resources a tool touches apply (runtime/call/roles.ts). Never from
   * arguments or `_meta`.
   */
  readonly roles?: readonly string[];
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous', scopes: Object.freeze([]) });
export const OPERATOR: Principal = Object.freeze({ id: 'operator', kind: 'operator', scopes: Object.freeze([]) });

/**
 * The visibility rule, in one place: whether a caller may see (and so use) a resource or a tool.
 * Anything open to anonymous callers is open to all; the operator sees everything; a verified
 * caller sees what is authenticated when its token carries every scope the rule requires.
 */
export function mayAccess(principal: Principal, rule: AccessRule): boolean {
  if (rule.access === 'anonymous' || principal.kind === 'operator') return true;
  if (principal.kind === 'anonymous') return false;
  return missingScopes(principal, rule).length === 0;
}

/** The scopes of `rule` the caller's token lacks (the rule's access level aside). */
function missingScopes(principal: Principal, rule: AccessRule): string[] {
  return (rule.scopes ?? []).filter((scope) => !principal.scopes.includes(scope));
}

/**
 * Whether the caller is refused something only for want of scopes: it is a verified caller and
 * the rule is authenticated, so a token with more scopes would do (HTTP answers this 403
 * `insufficient_scope`, the step-up MCP's authorization describes).
 */
export function lacksOnlyScopes(principal: Principal, rule: AccessRule): boolean {
  return principal.kind === 'user' && rule.access === 'authenticated' && missingScopes(principal, rule).length > 0;
}

/**
 * What a tool requires, derived from what it touches: the strictest access among its resources,
 * and every scope any of them requires. A tool that touches no resource is open to every caller.
 */
export function requiredAccess(rules: readonly AccessRule[]): AccessRule {
  const access: AccessLevel = rules.every((rule) => rule.access === 'anonymous') ? 'anonymous' : 'authenticated';
  const scopes = [...new Set(rules.flatMap((rule) => rule.scopes ?? []))].sort();
  return scopes.length === 0 ? { access } : { access, scopes };
}
