import { describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../runtime/auth/jwt.js';
import type { JwtSpec } from '../../runtime/contract/spec.js';
import { makeKey, sign } from '../support/tokens.js';

const SPEC: JwtSpec = { issuer: 'https://issuer.test', audience: 'mcpc-test', algorithms: ['ES256'], scopesClaim: 'scope', clockSkewS: 0, jwksCooldownS: 30 };
const CLAIMS = { iss: SPEC.issuer, aud: SPEC.audience, sub: 'ada', scope: 'orders:read' };

// A verified token is taken again without its signature being checked; these show what that
// memory never does: outlive the token, or accept a different token that shares its claims.
describe('tokens verified once', () => {
  it('are taken again with the same caller', async () => {
    const key = await makeKey('k1', 'ES256');
    const verify = await createJwtVerifier(SPEC, { publicKey: key.publicPem });
    const token = await sign(key, CLAIMS);
    const first = await verify(token);
    const again = await verify(token);
    expect(first).toEqual({ ok: true, principal: { id: 'jwt:ada', kind: 'user', scopes: ['orders:read'] } });
    expect(again).toEqual(first);
  });

  it('are refused once they expire, even though they verified before', async () => {
    const key = await makeKey('k1', 'ES256');
    const verify = await createJwtVerifier(SPEC, { publicKey: key.publicPem });
    const token = await sign(key, { ...CLAIMS, exp: Math.floor(Date.now() / 1000) + 2 });
    expect((await verify(token)).ok).toBe(true);
    await new Promise((resume) => setTimeout(resume, 2100));
    expect(await verify(token)).toEqual({ ok: false, reason: 'the token has expired' });
  });

  it('never vouch for a token with the same claims and another signature', async () => {
    const key = await makeKey('k1', 'ES256');
    const other = await makeKey('k1', 'ES256');
    const verify = await createJwtVerifier(SPEC, { publicKey: key.publicPem });
    const token = await sign(key, CLAIMS);
    expect((await verify(token)).ok).toBe(true);
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${(await sign(other, CLAIMS)).split('.')[2]}`;
    expect(await verify(forged)).toEqual({ ok: false, reason: "the token's signature does not verify" });
    expect((await verify(token)).ok).toBe(true);
  });
});
