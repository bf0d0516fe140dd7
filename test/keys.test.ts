import * as oidc from 'openid-client';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startTestKontor, createTestDatabase } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, loginAndConsent, registerClient } from './helpers/relying-party.ts';
import { purge } from '../src/server.ts';
import { SigningKey } from '../src/oidc/keys/signing-key.entity.ts';
import { createLogger } from '../src/shared/logger.ts';

async function jwksOf(url: string): Promise<JSONWebKeySet> {
  return (await fetch(`${url}/jwks`)).json() as Promise<JSONWebKeySet>;
}

describe('signing keys', () => {
  it('are shared by every instance on the same database, stored encrypted, and rotated with an overlap', async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };
    const first = await startTestKontor('postgres', env);
    const second = await startTestKontor('postgres', env);
    try {
      // Two instances, one JWKS: RS256 (default), ES256 and EdDSA, public parts only.
      const jwks = await jwksOf(first.url);
      expect(await jwksOf(second.url)).toEqual(jwks);
      expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
      for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
      const rsa = jwks.keys.find((key) => key.alg === 'RS256')!;
      expect(Buffer.from(rsa.n!, 'base64url').length * 8).toBe(3072);

      const stored = await first.container.db.orm.em.fork().find(SigningKey, {});
      for (const key of stored) expect(key.encryptedJwk).not.toMatch(/"d"|kty/);

      const user = await createUser(first);
      const client = await registerClient(first);
      const config = await discover(first, client.clientId, client.clientSecret);
      const request = await authorizationRequest(config);
      const oldTokens = await oidc.authorizationCodeGrant(config, await loginAndConsent(new BrowserAgent(first.url), request, user), { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce });
      const oldKid = decodeProtectedHeader(oldTokens.id_token!).kid;
      expect(oldKid).toBe(rsa.kid);

      const [rotation] = await first.container.keys.rotate(['RS256']);
      expect(rotation!.retiredKid).toBe(oldKid);

      // An instance started after the rotation signs with the new key and still publishes the old one.
      const third = await startTestKontor('postgres', env);
      try {
        const rotatedJwks = await jwksOf(third.url);
        expect(rotatedJwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([rotation!.newKid, oldKid]));
        await expect(jwtVerify(oldTokens.id_token!, createLocalJWKSet(rotatedJwks))).resolves.toBeDefined();

        const thirdConfig = await discover(third, client.clientId, client.clientSecret);
        const next = await authorizationRequest(thirdConfig);
        const newTokens = await oidc.authorizationCodeGrant(thirdConfig, await loginAndConsent(new BrowserAgent(third.url), next, user), { pkceCodeVerifier: next.codeVerifier, expectedState: next.state, expectedNonce: next.nonce });
        expect(decodeProtectedHeader(newTokens.id_token!).kid).toBe(rotation!.newKid);

        // Once the overlap has passed, the purge removes the retired key.
        const em = third.container.db.orm.em.fork();
        await em.nativeUpdate(SigningKey, { kid: oldKid! }, { publishUntil: new Date(Date.now() - 1000) });
        await purge(third.container, createLogger('silent'));
        expect(await em.count(SigningKey, { kid: oldKid! })).toBe(0);
      } finally {
        await third.stop();
      }
    } finally {
      await second.close();
      await first.close();
      await database.drop();
    }
  });

  it('cannot be read with another KONTOR_SECRET', async () => {
    const database = await createTestDatabase();
    const first = await startTestKontor('postgres', { DATABASE_URL: database.url });
    await first.close();
    await expect(startTestKontor('postgres', { DATABASE_URL: database.url, KONTOR_SECRET: 'another-secret-0123456789-abcdefghijklmnop' })).rejects.toThrow();
    await database.drop();
  });
});
