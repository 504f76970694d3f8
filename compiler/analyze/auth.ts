import type { AuthSpec, ConfigText, ResourceSpec } from '../../runtime/contract/spec.js';
import type { Reporter } from '../diagnostics/reporter.js';
import type { AuthSection } from '../validate/pipeline-file.js';
import { parseConfigText } from './config-text.js';
import { jwtRoles } from './roles.js';

/** Seconds of clock difference tolerated for `exp` and `nbf` unless the pipeline says otherwise. */
const DEFAULT_CLOCK_SKEW_S = 30;
/** Least seconds between JWKS fetches for unknown key ids unless the pipeline says otherwise. */
const DEFAULT_JWKS_COOLDOWN_S = 30;

/**
 * `auth` as the runtime serves it. The schema already refuses `none` and HMAC algorithms and
 * requires exactly one of a JWKS URL and a public key; what is left is configuration text, and
 * the rules that join `auth` to the resources: a scope no caller could ever present is an error.
 */
export function analyzeAuth(
  reporter: Reporter,
  section: AuthSection | undefined,
  resources: ReadonlyArray<Pick<ResourceSpec, 'name' | 'scopes'>>,
): AuthSpec | undefined {
  const scoped = resources.filter((r) => r.scopes !== undefined);
  if (section === undefined) {
    // Without auth only the operator (stdio) reaches authenticated resources, and it has no
    // scopes to present: scopes would be a promise nothing keeps.
    for (const resource of scoped) {
      reporter.error(
        'MCPC_ACCESS_CONFLICT',
        ['resources', resource.name, 'scopes'],
        `resource '${resource.name}' requires scopes, but the pipeline has no auth section, so no caller carries any`,
        {
          part: 'key',
          hint: 'add auth: { jwt: ... } or auth: { api_keys: ... }, or remove the scopes',
        },
      );
    }
    return undefined;
  }
  const text = (path: (string | number)[], raw: string): ConfigText | undefined => {
    const parsed = parseConfigText(raw);
    if (parsed.ok) return parsed.text;
    reporter.error('MCPC_INTERPOLATION_INVALID', path, parsed.message);
    return undefined;
  };
  const anonymous = section.anonymous ?? true;
  if (section.jwt === undefined && section.api_keys === undefined && !anonymous) {
    reporter.error(
      'MCPC_ACCESS_CONFLICT',
      ['auth', 'anonymous'],
      'anonymous callers are refused, and no jwt or api_keys is configured: no caller could ever be served',
      {
        part: 'key',
        hint: 'add auth.jwt or auth.api_keys, or allow anonymous callers',
      },
    );
  }
  let jwt: AuthSpec['jwt'];
  if (section.jwt !== undefined) {
    const j = section.jwt;
    // Issuer and audience are compared with every token and published in the server's metadata:
    // fixed at build time, so a `${...}` there would be compared as written, never resolved.
    for (const key of ['issuer', 'audience'] as const) {
      if (j[key].includes('${'))
        reporter.error('MCPC_INTERPOLATION_INVALID', ['auth', 'jwt', key], `auth.jwt.${key} is fixed at build time and takes no \${...} reference`, {
          hint: `write the ${key} itself`,
        });
    }
    const jwksUrl = j.jwks_url === undefined ? undefined : text(['auth', 'jwt', 'jwks_url'], j.jwks_url);
    const publicKey = j.public_key === undefined ? undefined : text(['auth', 'jwt', 'public_key'], j.public_key);
    const roles = jwtRoles(reporter, j);
    jwt = {
      issuer: j.issuer,
      audience: j.audience,
      ...(jwksUrl === undefined ? {} : { jwksUrl }),
      ...(publicKey === undefined ? {} : { publicKey }),
      algorithms: j.algorithms,
      scopesClaim: j.scopes_claim ?? 'scope',
      clockSkewS: j.clock_skew_s ?? DEFAULT_CLOCK_SKEW_S,
      jwksCooldownS: j.jwks_cooldown_s ?? DEFAULT_JWKS_COOLDOWN_S,
      ...(roles === undefined ? {} : { roles }),
    };
  }
  const file = section.api_keys === undefined ? undefined : text(['auth', 'api_keys', 'file'], section.api_keys.file);
  return {
    ...(jwt === undefined ? {} : { jwt }),
    ...(file === undefined ? {} : { apiKeys: { file } }),
    anonymous,
    ...(section.resource === undefined ? {} : { resource: section.resource }),
    scopesSupported: [...new Set(scoped.flatMap((r) => r.scopes ?? []))].sort(),
  };
}
