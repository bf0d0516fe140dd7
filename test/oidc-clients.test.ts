import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { startTestKontor, type Backend, type TestKontor } from './helpers/kontor.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  loginAndConsent,
  open,
  registerClient,
  formEndingWith,
  POST_LOGOUT_URI,
  type TestUser,
} from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';

/** A loopback HTTP endpoint for what clients publish (JWKS) or receive (back-channel logout). */
async function loopbackEndpoint(handler: (body: string, path: string) => { status: number; json?: unknown }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const result = handler(body, req.url ?? '/');
      res.writeHead(result.status, { 'content-type': 'application/json' });
      res.end(result.json === undefined ? '' : JSON.stringify(result.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

// PostgreSQL server only: the embedded database gets the smoke journey in registration.test.ts, which
// covers the same adapter and transaction paths; running every protocol test twice doubled their time.
describe.each<Backend>(['postgres'])('client authentication and token management on %s', (backend) => {
  let kontor: TestKontor;
  let user: TestUser;

  beforeAll(async () => {
    kontor = await startTestKontor(backend);
    user = await createUser(kontor);
  });
  afterAll(() => kontor?.stop());

  it('issues client_credentials tokens that introspect as active until revoked', async () => {
    const client = await registerClient(kontor, { redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'] });
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.token_type).toMatch(/bearer/i);

    const active = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: client.clientId, token_type: 'Bearer' });

    await oidc.tokenRevocation(config, tokens.access_token);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  it("does not let one portal introspect or revoke another portal's token", async () => {
    const owner = await registerClient(kontor, { redirectUris: [], grantTypes: ['client_credentials'] });
    const other = await registerClient(kontor, { redirectUris: [], grantTypes: ['client_credentials'] });
    const ownerConfig = await discover(kontor, owner.clientId, owner.clientSecret);
    const otherConfig = await discover(kontor, other.clientId, other.clientSecret);
    const tokens = await oidc.clientCredentialsGrant(ownerConfig);
    expect(await oidc.tokenIntrospection(otherConfig, tokens.access_token)).toEqual({ active: false });
    await oidc.tokenRevocation(otherConfig, tokens.access_token).catch(() => undefined);
    expect(await oidc.tokenIntrospection(ownerConfig, tokens.access_token)).toMatchObject({ active: true });
  });

  it('accepts client_secret_post and rejects a wrong secret', async () => {
    const client = await registerClient(kontor, { redirectUris: [], grantTypes: ['client_credentials'], authMethod: 'client_secret_post' });
    const config = await discover(kontor, client.clientId, client.clientSecret, oidc.ClientSecretPost(client.clientSecret));
    await expect(oidc.clientCredentialsGrant(config)).resolves.toHaveProperty('access_token');
    const wrong = await discover(kontor, client.clientId, 'not-the-secret', oidc.ClientSecretPost('not-the-secret'));
    await expect(oidc.clientCredentialsGrant(wrong)).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('revokes a refresh token so it can no longer be used', async () => {
    const { clientId, config, tokens } = await signIn(kontor, { user, authorization: { scope: 'openid offline_access', prompt: 'consent' } });
    expect(await oidc.tokenIntrospection(config, tokens.refresh_token!)).toMatchObject({ active: true, client_id: clientId });
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    expect(await oidc.tokenIntrospection(config, tokens.refresh_token!)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('lets only one of several concurrent requests redeem the same refresh token', async () => {
    const { config, tokens } = await signIn(kontor, { user, authorization: { scope: 'openid offline_access', prompt: 'consent' } });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => oidc.refreshTokenGrant(config, tokens.refresh_token!)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
      expect(result.reason).toMatchObject({ error: 'invalid_grant' });
  });

  it('starts an authorization with a pushed authorization request (PAR)', async () => {
    const client = await registerClient(kontor);
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: 'http://127.0.0.1:4999/callback',
      scope: 'openid email',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(url.searchParams.get('redirect_uri')).toBeNull(); // the parameters stay on the back channel
    const callback = await loginAndConsent(new BrowserAgent(kontor.url), { url, codeVerifier, state, nonce: '' }, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    expect(tokens.claims()?.sub).toBeDefined();
  });

  it('shows the login page in the language asked for inside a pushed request', async () => {
    const client = await registerClient(kontor);
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: 'http://127.0.0.1:4999/callback',
      scope: 'openid',
      ui_locales: 'en',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const page = await open(new BrowserAgent(kontor.url), url);
    expect(page.body).toContain('<html lang="en">');
  });

  it('authenticates a client with private_key_jwt against its published JWKS', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'rp-key-1', alg: 'ES256', use: 'sig' }] };
    const endpoint = await loopbackEndpoint(() => ({ status: 200, json: jwks }));
    try {
      const client = await registerClient(kontor, {
        redirectUris: [],
        grantTypes: ['client_credentials'],
        authMethod: 'private_key_jwt',
        jwksUri: `${endpoint.url}/jwks`,
      });
      expect(client.clientSecret).toBeUndefined();
      const config = await discover(kontor, client.clientId, undefined, oidc.PrivateKeyJwt({ key: privateKey, kid: 'rp-key-1' }));
      const tokens = await oidc.clientCredentialsGrant(config);
      expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, client_id: client.clientId });

      const { privateKey: otherKey } = await generateKeyPair('ES256');
      const impostor = await discover(kontor, client.clientId, undefined, oidc.PrivateKeyJwt({ key: otherKey, kid: 'rp-key-1' }));
      await expect(oidc.clientCredentialsGrant(impostor)).rejects.toMatchObject({ error: 'invalid_client' });
    } finally {
      endpoint.server.close();
    }
  });

  it('sends a signed logout token to the back-channel logout URI when the session ends', async () => {
    const received: string[] = [];
    const endpoint = await loopbackEndpoint((body) => {
      received.push(new URLSearchParams(body).get('logout_token') ?? '');
      return { status: 200 };
    });
    try {
      const client = await registerClient(kontor, { backchannelLogoutUri: `${endpoint.url}/backchannel` });
      const config = await discover(kontor, client.clientId, client.clientSecret);
      const agent = new BrowserAgent(kontor.url);
      const request = await authorizationRequest(config);
      const tokens = await oidc.authorizationCodeGrant(config, await loginAndConsent(agent, request, user), {
        pkceCodeVerifier: request.codeVerifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });
      const idClaims = tokens.claims()!;
      expect(idClaims.sid).toBeDefined(); // backchannel_logout_session_required

      // The hint names this session: logged out everywhere without a question.
      const done = await open(agent, oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI }));
      expect(done.location?.startsWith(POST_LOGOUT_URI)).toBe(true);

      expect(received).toHaveLength(1);
      const { payload } = await jwtVerify(received[0]!, createRemoteJWKSet(new URL(`${kontor.url}/jwks`)), { issuer: kontor.url, audience: client.clientId });
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(payload.sub).toBe(idClaims.sub);
      expect(payload.sid).toBe(idClaims.sid);
      expect(payload.nonce).toBeUndefined(); // OIDC Back-Channel Logout §2.4
    } finally {
      endpoint.server.close();
    }
  });

  it('gives the same person a different sub at portals of different sectors', async () => {
    const subs: string[] = [];
    for (const host of ['portal-a.127.0.0.1.nip.invalid', 'portal-b.127.0.0.1.nip.invalid']) {
      const redirect = `https://${host}/callback`;
      const client = await registerClient(kontor, { redirectUris: [redirect] });
      const config = await discover(kontor, client.clientId, client.clientSecret);
      const agent = new BrowserAgent(kontor.url);
      const request = await authorizationRequest(config, { redirect_uri: redirect });
      const page = await open(agent, request.url);
      const form = formEndingWith(page.body, '/login');
      let next = await agent.follow(await agent.post(form.action, { ...form.fields, username: user.email, password: user.password }), (l) =>
        l.startsWith(redirect),
      );
      if (next.status === 200) {
        const consent = formEndingWith(next.body, '/consent');
        next = await agent.follow(await agent.post(consent.action, consent.fields), (l) => l.startsWith(redirect));
      }
      const tokens = await oidc.authorizationCodeGrant(
        config,
        new URL(next.location!),
        { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce },
        { redirect_uri: redirect },
      );
      subs.push(tokens.claims()!.sub);
    }
    expect(subs[0]).not.toBe(subs[1]);
  });
});
