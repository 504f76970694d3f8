/**
 * The ClickHouse roles a verified token's `role_claim` names, kept only when the pipeline's
 * allow-list (`auth.jwt.roles`) has them: a claim is a role name, a space-separated text of names,
 * or a list of names; anything else (a number, an object, a list holding one) names no role. Each
 * name is compared exactly (ClickHouse role names are case-sensitive); the result follows the
 * allow-list's order, each role once. An empty result fails closed: the caller gets no roles,
 * and so no tool on a ClickHouse server (runtime/call/roles.ts), never the connection user's.
 */
export function allowedRoles(claim: unknown, allowed: readonly string[]): string[] {
  let named: string[];
  if (typeof claim === 'string') named = claim.split(' ');
  else if (Array.isArray(claim) && claim.every((entry) => typeof entry === 'string')) named = claim;
  else return [];
  const wanted = new Set(named);
  return allowed.filter((role) => wanted.has(role));
}
