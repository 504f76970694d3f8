import { createHash, createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, errors, importSPKI, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Principal } from '../contract/access.js';
import type { JwtSpec } from '../contract/spec.js';
import { StartupError } from '../errors.js';
import { allowedRoles } from './roles.js';

/** A JWT's verdict: the caller it names, or why it is refused (a message safe to send back). */
export type JwtVerdict = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Longest a JWKS fetch may take before the token waiting for it is refused. */
const JWKS_TIMEOUT_MS = 5000;
/** How long fetched keys are trusted before the next token refetches them (a rotation is seen within this). */
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/** Longest a verified token is taken again without checking its signature (never past its `exp`). */
const VERIFIED_MAX_AGE_MS = 60 * 1000;
/** Verified tokens remembered at most (by SHA-256, so no token is kept in memory). */
const VERIFIED_MAX_ENTRIES = 10_000;

/**
 * Verifies JWTs with jose: the signature against the issuer's JWKS (fetched on first use, cached,
 * fetched again for a key id it has not seen, at most once per cooldown, as jose's remote key
 * set does) or a static public key; only the algorithms the pipeline lists, so `none` and an
 * HMAC signature made with the public key as its secret never verify; `iss`, `aud`, `exp`
 * (required), `nbf` within the clock skew; and `sub`, which names the caller.
 */
export async function createJwtVerifier(spec: JwtSpec, keys: { jwksUrl?: string; publicKey?: string }): Promise<(token: string) => Promise<JwtVerdict>> {
  const getKey = keys.jwksUrl !== undefined ? remoteKeys(keys.jwksUrl, spec) : await staticKeys(keys.publicKey ?? '', spec.algorithms);
  const options = {
    issuer: spec.issuer,
    audience: spec.audience,
    algorithms: [...spec.algorithms],
    clockTolerance: spec.clockSkewS,
    requiredClaims: ['exp', 'sub'],
  };
  const verified = new VerifiedTokens();
  return async (token) => {
    const known = verified.get(token);
    if (known) return { ok: true, principal: known };
    try {
      const { payload } = await jwtVerify(token, getKey, options);
      const principal: Principal = {
        id: `jwt:${safeId(payload.sub ?? '')}`,
        kind: 'user',
        scopes: scopesOf(payload, spec.scopesClaim),
        ...(spec.roles === undefined ? {} : { roles: allowedRoles(payload[spec.roles.claim], spec.roles.allowed) }),
      };
      verified.add(token, principal, (payload.exp ?? 0) * 1000);
      return { ok: true, principal };
    } catch (error) {
      return { ok: false, reason: reasonFor(error) };
    }
  };
}

/**
 * Tokens that verified, so a client sending the same token with every call pays for its
 * signature once a minute rather than per call: each is taken again until its `exp` (without
 * the clock skew) or for a minute, whichever comes first, so a key withdrawn from the JWKS stops
 * its tokens within a minute, as a refetch would. Only tokens that verified are kept, keyed by
 * their SHA-256, and the oldest go first past the bound, so a flood of tokens costs memory once.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  get(token: string): Principal | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (Date.now() < entry.until) return entry.principal;
    this.entries.delete(key);
    return undefined;
  }

  add(token: string, principal: Principal, expiresAt: number): void {
    const until = Math.min(expiresAt, Date.now() + VERIFIED_MAX_AGE_MS);
    if (until <= Date.now()) return;
    if (this.entries.size >= VERIFIED_MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest(token), { principal, until });
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

function remoteKeys(url: string, spec: JwtSpec): JWTVerifyGetKey {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StartupError(`auth.jwt.jwks_url is not a URL`);
  }
  // Keys fetched over plain HTTP could be swapped on the way, and every token with them: only a
  // server on this machine may be reached without TLS.
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new StartupError(`auth.jwt.jwks_url must be an https:// address (http:// only on this machine), not ${parsed.protocol}//${parsed.host}`);
  }
  return createRemoteJWKSet(parsed, { cooldownDuration: spec.jwksCooldownS * 1000, cacheMaxAge: JWKS_MAX_AGE_MS, timeoutDuration: JWKS_TIMEOUT_MS });
}

/** One key per listed algorithm the PEM key can serve (an RSA key serves RS* and PS*, an EC key its curve's ES*). */
async function staticKeys(pem: string, algorithms: readonly string[]): Promise<JWTVerifyGetKey> {
  try {
    createPublicKey(pem);
  } catch {
    throw new StartupError('auth.jwt.public_key is not a PEM public key');
  }
  const byAlg = new Map<string, Awaited<ReturnType<typeof importSPKI>>>();
  for (const alg of algorithms) {
    const key = await importSPKI(pem, alg).catch(() => undefined);
    if (key) byAlg.set(alg, key);
  }
  if (byAlg.size === 0) throw new StartupError(`auth.jwt.public_key serves none of the algorithms listed (${algorithms.join(', ')})`);
  // jose checks the token's alg against the allow-list before it asks for a key.
  return (header) => {
    const key = byAlg.get(header.alg);
    if (!key) throw new errors.JOSEAlgNotAllowed(`the public key does not serve ${header.alg}`);
    return key;
  };
}

function scopesOf(payload: JWTPayload, claim: 'scope' | 'scp'): string[] {
  const value = payload[claim];
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

/** A subject as it appears in logs and ClickHouse's query log: printable, bounded. */
function safeId(sub: string): string {
  return sub.replace(/[^\x21-\x7E]/g, '_').slice(0, 200);
}

/** What went wrong with a token, in words a client may see (no key material, no token text). */
function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's ${error.claim} claim is not accepted`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's signing algorithm is not accepted";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return "the token's key is not among the issuer's keys";
  if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === 'ERR_JWKS_INVALID'))
    return "the issuer's keys could not be fetched";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'the token is not a well-formed JWT';
  if (error instanceof errors.JOSEError) return 'the token is not accepted';
  // A JWKS that cannot be reached (network error): the token cannot be checked now.
  return "the issuer's keys could not be fetched";
}
