import { resolve } from 'node:path';
import { ANONYMOUS, type Principal } from '../contract/access.js';
import { looksLikeApiKey } from '../contract/api-keys.js';
import type { AuthSpec } from '../contract/spec.js';
import { type ConfigEnvironment, resolveConfigText } from '../contract/config-text.js';
import { ApiKeyFile } from './api-key-file.js';
import { createJwtVerifier, type JwtVerdict } from './jwt.js';

/** Longest bearer token read; anything longer is refused before any parsing or crypto. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * Who a request comes from, or why it is refused: `invalid_request` for an Authorization header
 * that is not one bearer token, `invalid_token` for a token that does not verify; no `error`
 * when credentials are missing where they are required (RFC 6750 §3.1).
 */
type Identity = { ok: true; principal: Principal } | { ok: false; error?: 'invalid_request' | 'invalid_token'; reason: string };

/** Identifies callers from their bearer tokens: API keys and JWTs as the pipeline's `auth` configures them. */
export interface Authenticator {
  /** The caller of a request with this `Authorization` header (undefined: none sent). */
  identify(authorization: string | undefined): Promise<Identity>;
  /** The caller a token names (stdio's token from the environment). */
  verifyToken(token: string): Promise<Identity>;
}

/** Without `auth`, every request is anonymous, whatever it sends (the server has nothing to check a token against). */
const NO_AUTH: Authenticator = {
  identify: async () => ({ ok: true, principal: ANONYMOUS }),
  verifyToken: async () => ({ ok: false, error: 'invalid_token', reason: 'this server has no auth section, so it takes no tokens' }),
};

/** Builds the authenticator at start: configuration resolved, key file read, static keys imported. */
export async function createAuthenticator(auth: AuthSpec | undefined, projectDir: string, environment: ConfigEnvironment): Promise<Authenticator> {
  if (auth === undefined) return NO_AUTH;
  const keyFile = auth.apiKeys && new ApiKeyFile(resolve(projectDir, resolveConfigText(auth.apiKeys.file, 'auth.api_keys.file', environment)));
  let jwt: ((token: string) => Promise<JwtVerdict>) | undefined;
  if (auth.jwt) {
    const { jwksUrl, publicKey } = auth.jwt;
    jwt = await createJwtVerifier(auth.jwt, {
      ...(jwksUrl === undefined ? {} : { jwksUrl: resolveConfigText(jwksUrl, 'auth.jwt.jwks_url', environment) }),
      ...(publicKey === undefined ? {} : { publicKey: resolveConfigText(publicKey, 'auth.jwt.public_key', environment) }),
    });
  }
  const verifyToken = async (token: string): Promise<Identity> => {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, error: 'invalid_request', reason: `the token is longer than ${MAX_TOKEN_LENGTH} characters` };
    if (looksLikeApiKey(token)) {
      if (!keyFile) return { ok: false, error: 'invalid_token', reason: 'this server takes no API keys' };
      const principal = keyFile.verify(token);
      return principal ? { ok: true, principal } : { ok: false, error: 'invalid_token', reason: 'the API key is not valid' };
    }
    if (!jwt) return { ok: false, error: 'invalid_token', reason: 'this server takes API keys only, and this is not one' };
    const verdict = await jwt(token);
    return verdict.ok ? verdict : { ok: false, error: 'invalid_token', reason: verdict.reason };
  };
  return {
    verifyToken,
    async identify(authorization) {
      if (authorization === undefined || authorization === '') {
        return auth.anonymous ? { ok: true, principal: ANONYMOUS } : { ok: false, reason: 'this server requires a bearer token' };
      }
      if (authorization.length > MAX_TOKEN_LENGTH + 7)
        return { ok: false, error: 'invalid_request', reason: `the token is longer than ${MAX_TOKEN_LENGTH} characters` };
      const token = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization)?.[1];
      if (token === undefined) return { ok: false, error: 'invalid_request', reason: "the Authorization header is not 'Bearer <token>'" };
      return verifyToken(token);
    },
  };
}
