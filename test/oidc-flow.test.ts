import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startTestKontor, type Backend, type TestKontor } from './helpers/kontor.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  loginAndConsent,
  open,
  registerClient,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';

// PostgreSQL server only: the embedded database gets the smoke journey in registration.test.ts, which
// covers the same adapter and transaction paths; running every protocol test twice doubled their time.
describe.each<Backend>(['postgres'])('authorization code flow with PKCE on %s', (backend) => {
  let kontor: TestKontor;
  let user: TestUser;
  let config: oidc.Configuration;
  let clientId: string;

  beforeAll(async () => {
    kontor = await startTestKontor(backend);
    user = await createUser(kontor);
    const client = await registerClient(kontor);
    clientId = client.clientId;
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('logs in through the form, exchanges the code, verifies the ID token, reads userinfo, refreshes and logs out', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, { scope: 'openid profile email offline_access', prompt: 'consent' });
    const callback = await loginAndConsent(agent, request, user);
    expect(callback.searchParams.get('iss')).toBe(kontor.url); // RFC 9207

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    expect(tokens.refresh_token).toBeDefined();

    // Verify the ID token ourselves against the published JWKS, not only through openid-client.
    const jwks = createRemoteJWKSet(new URL(`${kontor.url}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer: kontor.url, audience: clientId });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).not.toBe(user.accountId); // pairwise, never the internal id
    expect(payload.acr).toBe('http://bsi.bund.de/eID/LoA/normal');
    expect(payload.amr).toEqual(['pwd']);
    expect(payload.auth_time).toEqual(expect.any(Number));

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, payload.sub!);
    expect(userinfo).toMatchObject({ sub: payload.sub, given_name: 'Erika', family_name: 'Mustermann', email: user.email, email_verified: true });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token); // rotation
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // RP-initiated logout with this session's ID token: no question, straight back to the post-logout URI.
    const endSession = oidc.buildEndSessionUrl(config, {
      id_token_hint: refreshed.id_token ?? tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye',
    });
    const done = await open(agent, endSession);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${POST_LOGOUT_URI}?state=bye`);

    // The IdP session is gone: a new authorization request shows the login form again.
    const again = await open(agent, (await authorizationRequest(config)).url);
    expect(again.status).toBe(200);
    expect(again.body).toContain('name="password"');
  });

  it('serves a second login of the same session without asking again (SSO, consent remembered)', async () => {
    // Consent every time (the default) would ask again; the login itself is not asked for again either way.
    const client = await registerClient(kontor, { consent: 'remembered' });
    const remembered = await discover(kontor, client.clientId, client.clientSecret);
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(remembered), user);
    const second = await authorizationRequest(remembered);
    const response = await open(agent, second.url);
    expect(response.status).toBe(303);
    expect(response.location).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
  });

  it('forces a new login for prompt=login and max_age=0', async () => {
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const page = await open(agent, (await authorizationRequest(config, extra)).url);
      expect(page.status).toBe(200);
      expect(page.body).toContain('name="password"');
    }
  });

  it('releases claims requested with the claims parameter in the ID token', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, {
      scope: 'openid',
      claims: JSON.stringify({ id_token: { email: { essential: true }, given_name: null } }),
    });
    const callback = await loginAndConsent(agent, request, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()).toMatchObject({ email: user.email, given_name: 'Erika' });
  });

  it('rejects a replayed authorization code and revokes what the first exchange issued', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const callback = await loginAndConsent(agent, request, user);
    const checks = { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce };
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    await expect(oidc.authorizationCodeGrant(config, callback, checks)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toMatchObject({ status: 401 });
  });

  it.each(['ES256', 'EdDSA'] as const)('signs ID tokens with %s for a client registered for it', async (alg) => {
    const client = await registerClient(kontor, { idTokenSignedResponseAlg: alg });
    const algConfig = await discover(kontor, client.clientId, client.clientSecret);
    const request = await authorizationRequest(algConfig);
    const callback = await loginAndConsent(new BrowserAgent(kontor.url), request, user);
    const tokens = await oidc.authorizationCodeGrant(algConfig, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const { protectedHeader } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${kontor.url}/jwks`)), {
      issuer: kontor.url,
      audience: client.clientId,
    });
    expect(protectedHeader.alg).toBe(alg);
  });

  it('rejects a code exchanged with the wrong PKCE verifier', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const callback = await loginAndConsent(agent, request, user);
    await expect(
      oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: request.state,
        expectedNonce: request.nonce,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
