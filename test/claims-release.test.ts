import * as oidc from 'openid-client';
import type { EntityManager } from '@mikro-orm/sql';
import { upsertAttributes, type AttributeWrite } from '../src/accounts/attributes.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, open, registerClient, type TestUser } from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';
import { callbackOf, enrolTotp, submitCode, totpAt } from './helpers/step-up.ts';
import { BSI_ACR } from '../src/trust/index.ts';

/** Writes attributes as a stronger source would (an eID read, which does not exist yet), in one transaction. */
async function writeAttributes(kontor: TestKontor, user: TestUser, writes: AttributeWrite[]): Promise<void> {
  await kontor.container.db.orm.em.fork().transactional((tx) => upsertAttributes(tx as EntityManager, user.accountId, writes));
}

/** A login in a new browser, the code redeemed: the ID token's claims, the userinfo response and the browser. */
async function release(kontor: TestKontor, client: { clientId: string; clientSecret?: string }, user: TestUser, authorization: Record<string, string> = {}) {
  const { tokens, config, agent } = await signIn(kontor, { user, existing: client, authorization });
  const idToken = tokens.claims()!;
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
  return { idToken, userinfo, config, agent };
}

describe('what leaves Kontor: the claims composer behind ID token and userinfo', () => {
  let kontor: TestKontor;

  beforeAll(async () => {
    const settings = { ...ROOMY_RATE_LIMITS, rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, secondFactorPerIp: { limit: 1000, windowSeconds: 3600 } } };
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(settings) });
  });
  afterAll(() => kontor?.stop());

  it('releases the granted scopes from userinfo with each claim level in sk_claim_trust; the ID token keeps to OIDC Core §5.4', async () => {
    const user = await createUser(kontor);
    const client = await registerClient(kontor);
    const { idToken, userinfo } = await release(kontor, client, user);
    expect(userinfo).toMatchObject({
      given_name: 'Erika',
      family_name: 'Mustermann',
      name: 'Erika Mustermann',
      email: user.email,
      email_verified: true,
      locale: 'de',
    });
    expect(userinfo.sk_claim_trust).toEqual({
      given_name: 'basisregistrierung',
      family_name: 'basisregistrierung',
      name: 'basisregistrierung',
      locale: 'basisregistrierung',
      email: 'basisregistrierung',
      email_verified: 'basisregistrierung',
    });
    expect(idToken.given_name).toBeUndefined();
    expect(idToken.email).toBeUndefined();
    expect(idToken.sk_claim_trust).toBeUndefined();
    expect(idToken.sk_authn_means).toBe('Benutzername');
  });

  it('never releases a claim the client is not registered for, asked by scope or by the claims parameter', async () => {
    const user = await createUser(kontor);
    const client = await registerClient(kontor, { scopes: ['openid', 'profile', 'email'], claims: ['email', 'given_name'] });
    const claims = JSON.stringify({
      id_token: { family_name: { essential: true }, given_name: null },
      userinfo: { family_name: { essential: true }, birthdate: null },
    });
    const { idToken, userinfo } = await release(kontor, client, user, { claims });
    expect(idToken.given_name).toBe('Erika');
    expect(idToken.family_name).toBeUndefined();
    expect(userinfo).toMatchObject({ given_name: 'Erika', email: user.email });
    for (const withheld of ['family_name', 'name', 'locale', 'email_verified', 'birthdate']) expect(userinfo[withheld]).toBeUndefined();
    expect(userinfo.sk_claim_trust).toEqual({ given_name: 'basisregistrierung', email: 'basisregistrierung' });

    // A scope it is not registered for is refused outright (RFC 6749 §3.3), not quietly granted.
    const narrow = await registerClient(kontor, { scopes: ['openid', 'email'] });
    const config = await discover(kontor, narrow.clientId, narrow.clientSecret);
    const refused = await open(new BrowserAgent(kontor.url), (await authorizationRequest(config, { scope: 'openid profile email' })).url);
    expect(new URL(refused.location!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('withholds a claim above the session level until a step-up, then releases it with the attribute level', async () => {
    const user = await createUser(kontor);
    await writeAttributes(kontor, user, [{ name: 'given_name', value: 'Erika', level: 'hoch', source: 'eid', verifiedAt: new Date() }]);
    const client = await registerClient(kontor, { claimLevels: ['given_name=substanziell'] });
    const { userinfo, config, agent } = await release(kontor, client, user);
    expect(userinfo.given_name).toBeUndefined();
    expect(userinfo.family_name).toBe('Mustermann');
    expect(userinfo.sk_claim_trust).not.toHaveProperty('given_name');

    const { secret } = await enrolTotp(kontor, user);
    const request = await authorizationRequest(config, { acr_values: BSI_ACR.substanziell });
    const page = await open(agent, request.url);
    const callback = await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret)));
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const stepped = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(stepped.given_name).toBe('Erika');
    expect(stepped.sk_claim_trust).toMatchObject({ given_name: 'hoch', family_name: 'basisregistrierung' });
  });

  it('withholds an attribute below the level the client requires although the login meets it', async () => {
    const user = await createUser(kontor);
    const client = await registerClient(kontor, { claimLevels: ['family_name=niedrig'] });
    const { userinfo } = await release(kontor, client, user);
    expect(userinfo.family_name).toBeUndefined();
    // name contains the family name: it is held to the same minimum, or the family name would leave through it.
    expect(userinfo.name).toBeUndefined();
    expect(userinfo.given_name).toBe('Erika');
    expect(userinfo.sk_claim_trust).not.toHaveProperty('family_name');
  });

  it('puts the granted claims into the ID token for a client registered with sk_id_token_claims', async () => {
    const user = await createUser(kontor);
    const client = await registerClient(kontor, { idTokenClaims: true });
    const { idToken } = await release(kontor, client, user);
    expect(idToken).toMatchObject({ given_name: 'Erika', family_name: 'Mustermann', email: user.email, email_verified: true, sk_authn_means: 'Benutzername' });
    expect(idToken.sk_claim_trust).toMatchObject({ given_name: 'basisregistrierung', email: 'basisregistrierung' });
  });

  it('carries the login level into the access token, so userinfo judges minimums by the same login', async () => {
    const user = await createUser(kontor);
    const client = await registerClient(kontor);
    const { tokens, config } = await signIn(kontor, { user, existing: client });
    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspection.acr).toBe(BSI_ACR.niedrig);
  });

  it('raises an attribute level only for the same value from a stronger source, and resets it when the value changes', async () => {
    const user = await createUser(kontor);
    const levelOf = async () => {
      const subject = await kontor.container.composer.subject(user.accountId);
      return subject?.get('family_name')?.level;
    };
    await writeAttributes(kontor, user, [{ name: 'family_name', value: 'Mustermann', level: 'hoch', source: 'eid' }]);
    expect(await levelOf()).toBe('hoch');
    await writeAttributes(kontor, user, [{ name: 'family_name', value: 'Mustermann', level: 'basisregistrierung', source: 'self_entered' }]);
    expect(await levelOf()).toBe('hoch');
    await writeAttributes(kontor, user, [{ name: 'family_name', value: 'Gabler', level: 'basisregistrierung', source: 'self_entered' }]);
    expect(await levelOf()).toBe('basisregistrierung');
  });

  it('has no claims for an account that is not active', async () => {
    const user = await createUser(kontor);
    await kontor.container.db.orm.em.fork().execute(`update account set status = 'locked' where id = ?`, [user.accountId]);
    expect(await kontor.container.composer.subject(user.accountId)).toBeUndefined();
  });
});
