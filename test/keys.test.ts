import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startTestKontor, createTestDatabase, type TestKontor } from './helpers/kontor.ts';
import { createUser, registerClient, type TestUser } from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';
import { purge } from '../src/server.ts';
import { SigningKey } from '../src/oidc/keys/signing-key.entity.ts';
import { createLogger } from '../src/shared/logger.ts';

async function jwksOf(kontor: TestKontor): Promise<JSONWebKeySet> {
  return (await fetch(`${kontor.url}/jwks`)).json() as Promise<JSONWebKeySet>;
}

async function idTokenFrom(kontor: TestKontor, clientId: string, clientSecret: string, user: TestUser): Promise<string> {
  return (await signIn(kontor, { user, existing: { clientId, clientSecret } })).tokens.id_token!;
}

describe('signing keys', () => {
  it('are shared by every instance, stored encrypted, and rotated without a restart', async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };
    const first = await startTestKontor('postgres', env);
    const second = await startTestKontor('postgres', env);
    try {
      // Two instances, one JWKS: RS256 (default), ES256 and EdDSA, public parts only.
      const jwks = await jwksOf(first);
      expect(await jwksOf(second)).toEqual(jwks);
      expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
      for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
      const rsa = jwks.keys.find((key) => key.alg === 'RS256')!;
      expect(Buffer.from(rsa.n!, 'base64url').length * 8).toBe(3072);
      for (const key of await first.container.db.orm.em.fork().find(SigningKey, {})) expect(key.encryptedJwk).not.toMatch(/"d"|kty/);

      const user = await createUser(first);
      const client = await registerClient(first);
      const oldToken = await idTokenFrom(first, client.clientId, client.clientSecret!, user);
      expect(decodeProtectedHeader(oldToken).kid).toBe(rsa.kid);

      // Rotation announces the new key before it signs: after their reload both instances publish it,
      // and both still sign with the old one.
      const activatesAt = new Date(Date.now() + 60_000);
      const [rotation] = await first.container.keys.rotate(['RS256'], activatesAt);
      expect(rotation!.retiredKid).toBe(rsa.kid);
      for (const instance of [first, second]) expect(await instance.container.live.refresh()).toBe(true);
      for (const instance of [first, second]) {
        expect((await jwksOf(instance)).keys.map((key) => key.kid)).toEqual(expect.arrayContaining([rotation!.newKid, rsa.kid]));
      }
      expect(decodeProtectedHeader(await idTokenFrom(second, client.clientId, client.clientSecret!, user)).kid).toBe(rsa.kid);

      // Once the activation time has passed, the next reload makes the new key sign; the old key stays
      // published, so tokens it signed still verify.
      const later = new Date(activatesAt.getTime() + 1000);
      for (const instance of [first, second]) expect(await instance.container.live.refresh(later)).toBe(true);
      expect(decodeProtectedHeader(await idTokenFrom(second, client.clientId, client.clientSecret!, user)).kid).toBe(rotation!.newKid);
      await expect(jwtVerify(oldToken, createLocalJWKSet(await jwksOf(first)))).resolves.toBeDefined();
      expect(await first.container.live.refresh(later)).toBe(false); // nothing changed: no rebuild

      // After the overlap the purge deletes the old key and the reload stops publishing it.
      const em = first.container.db.orm.em.fork();
      await em.nativeUpdate(SigningKey, { kid: rsa.kid! }, { publishUntil: new Date(Date.now() - 1000) });
      await purge(first.container, createLogger('silent'));
      expect(await em.count(SigningKey, { kid: rsa.kid! })).toBe(0);
      await first.container.live.refresh(later);
      expect((await jwksOf(first)).keys.map((key) => key.kid)).not.toContain(rsa.kid);
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
    await expect(startTestKontor('postgres', { DATABASE_URL: database.url, KONTOR_SECRET: 'another-secret-0123456789-abcdefghijklmnop' })).rejects.toThrow(
      /unable to authenticate data/,
    );
    await database.drop();
  });
});
