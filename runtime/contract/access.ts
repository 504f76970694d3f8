import type { AccessLevel, AccessRule } from './spec.js';

/**
 * Who is calling, resolved per request by the transport. `anonymous`: an HTTP caller without
 * credentials. `operator`: the local operator who launched the server over stdio with their own
 * credentials, who may see everything.
 */
export interface Principal {
  /** Stable identity for logs (and, later, budgets and audit): never a credential. */
  readonly id: string;
  readonly kind: 'anonymous' | 'operator';
  readonly scopes: readonly string[];
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous', scopes: Object.freeze([]) });
export const OPERATOR: Principal = Object.freeze({ id: 'operator', kind: 'operator', scopes: Object.freeze([]) });

/**
 * The visibility rule, in one place: whether a caller may see (and so use) a resource or a tool.
 * Anything open to anonymous callers is open to all; the operator sees everything.
 */
export function mayAccess(principal: Principal, rule: AccessRule): boolean {
  if (rule.access === 'anonymous') return true;
  return principal.kind === 'operator';
}

/**
 * What a tool requires, derived from what it touches: the strictest access among its resources.
 * A tool that touches no resource is open to every caller.
 */
export function requiredAccess(rules: readonly AccessRule[]): AccessRule {
  const access: AccessLevel = rules.every((rule) => rule.access === 'anonymous') ? 'anonymous' : 'authenticated';
  return { access };
}
