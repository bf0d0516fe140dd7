import * as oidc from 'openid-client';
import { generateKeyPair, exportJWK } from 'jose';
import { decodeEntities } from './helpers/browser-agent.ts';
import { backchannelReceiver } from './helpers/backchannel.ts';
import { startUpstreamOp, UPSTREAM_ACCOUNT, type RunningUpstream } from './helpers/upstream-op.ts';
import { BrowserAgent, begin, exchange, insecure, locationOf, logIn, POST_LOGOUT_URI, REDIRECT_URI, submit } from './helpers/upstream-flow.ts';

// The example upstream OpenID provider (issue 18) in its own process, with openid-client as the relying
// party the way Kontor's federation uses it: its login and consent pages and what the tokens carry.
const SECRET = 'kontor-at-testland-secret-0123456789';

describe('example upstream OpenID provider', () => {
  let upstream: RunningUpstream;
  let receiver: Awaited<ReturnType<typeof backchannelReceiver>>;
  let config: oidc.Configuration;
  let signingKey: CryptoKey;

  beforeAll(async () => {
    receiver = await backchannelReceiver();
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    upstream = await startUpstreamOp({
      clients: [
        {
          client_id: 'kontor',
          client_name: 'Kontor Servicekonto',
          client_secret: SECRET,
          redirect_uris: [REDIRECT_URI],
          post_logout_redirect_uris: [POST_LOGOUT_URI],
          backchannel_logout_uri: receiver.url,
        },
        {
          client_id: 'kontor-jwt',
          client_name: 'Kontor mit Schlüssel',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig', kid: 'rp-1' }] },
          redirect_uris: [REDIRECT_URI],
        },
      ],
      acrValues: ['http://eidas.europa.eu/LoA/low', 'http://eidas.europa.eu/LoA/substantial', 'http://eidas.europa.eu/LoA/high'],
    });
    config = await oidc.discovery(new URL(upstream.issuer), 'kontor', undefined, oidc.ClientSecretBasic(SECRET), insecure);
  });

  afterEach(async () => upstream.control({}));

  afterAll(async () => {
    await upstream?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('publishes a discovery document for the code flow with PKCE S256, RFC 9207 iss, acr values and both logouts', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(upstream.issuer);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.claims_parameter_supported).toBe(true);
    expect(metadata.acr_values_supported).toContain('http://eidas.europa.eu/LoA/substantial');
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'private_key_jwt']));
    expect(metadata.end_session_endpoint).toBe(`${upstream.issuer}/session/end`);
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.backchannel_logout_session_supported).toBe(true);
  });

  it('runs the code flow through its login and consent pages: iss in the callback, acr/amr/sid and the claims in the ID token', async () => {
    const agent = new BrowserAgent(upstream.url);
    const flow = await begin(agent, config, { acr_values: 'http://eidas.europa.eu/LoA/high' });
    expect(flow.loginPage.status).toBe(200);
    expect(flow.loginPage.body).toContain('<html lang="de">');
    expect(flow.loginPage.body.match(/<h1>/g)).toHaveLength(1);
    expect(flow.loginPage.body).toContain('<h1>Servicekonto Testland</h1>');
    expect(flow.loginPage.body).toMatch(/<label for="username">Benutzername<\/label>/);

    const wrong = await submit(agent, flow.loginPage, '/login', { username: UPSTREAM_ACCOUNT.username, password: 'falsch' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Benutzername oder Passwort ist falsch.');

    const consent = await submit(agent, wrong, '/login', { username: UPSTREAM_ACCOUNT.username, password: UPSTREAM_ACCOUNT.password });
    const text = decodeEntities(consent.body);
    expect(text).toContain('Kontor Servicekonto möchte folgende Daten erhalten:');
    for (const value of ['Anna', 'Nord', 'anna.nord@example.org', '1990-01-31', 'Deichweg 1, 25813 Husum, DE']) expect(text).toContain(value);
    expect(consent.headers.get('cache-control')).toBe('no-store');

    const callback = locationOf(await submit(agent, consent, '/consent'));
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('iss')).toBe(upstream.issuer);
    expect(callback.searchParams.get('state')).toBe(flow.state);

    const tokens = await exchange(config, { ...flow, callback });
    const claims = tokens.claims()!;
    // The account's configured level, although acr_values asked for high: how a too-low upstream level arises.
    expect(claims).toMatchObject({
      iss: upstream.issuer,
      aud: 'kontor',
      sub: UPSTREAM_ACCOUNT.sub,
      nonce: flow.nonce,
      acr: UPSTREAM_ACCOUNT.acr,
      amr: ['pwd', 'otp'],
    });
    expect(typeof claims.sid).toBe('string');
    expect(claims).toMatchObject({ given_name: 'Anna', family_name: 'Nord', email: 'anna.nord@example.org', email_verified: true, birthdate: '1990-01-31' });
    expect(claims.address).toEqual(UPSTREAM_ACCOUNT.claims.address);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, UPSTREAM_ACCOUNT.sub);
    expect(userinfo).toMatchObject({ sub: UPSTREAM_ACCOUNT.sub, email: 'anna.nord@example.org' });
  });

  it('refuses an authorization request without PKCE', async () => {
    const agent = new BrowserAgent(upstream.url);
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: oidc.randomState(), nonce: oidc.randomNonce() });
    const response = await agent.follow(await agent.get(url.href), (location) => location.startsWith(REDIRECT_URI));
    const callback = locationOf(response);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('iss')).toBe(upstream.issuer);
  });

  it('answers access_denied when the person declines the consent ("Ablehnen") or cancels the login ("Abbrechen")', async () => {
    const declining = new BrowserAgent(upstream.url);
    const flow = await begin(declining, config);
    const consent = await submit(declining, flow.loginPage, '/login', { username: UPSTREAM_ACCOUNT.username, password: UPSTREAM_ACCOUNT.password });
    const declined = locationOf(await submit(declining, consent, '/abort'));
    expect(declined.searchParams.get('error')).toBe('access_denied');
    expect(declined.searchParams.get('state')).toBe(flow.state);
    await expect(exchange(config, { ...flow, callback: declined })).rejects.toMatchObject({ error: 'access_denied' });

    const cancelling = new BrowserAgent(upstream.url);
    const cancelled = locationOf(await submit(cancelling, (await begin(cancelling, config)).loginPage, '/abort'));
    expect(cancelled.searchParams.get('error')).toBe('access_denied');
  });

  it('releases what the claims parameter asks for (OIDC Core §5.5)', async () => {
    const agent = new BrowserAgent(upstream.url);
    const flow = await logIn(agent, config, { scope: 'openid', claims: JSON.stringify({ id_token: { birthdate: { essential: true } } }) });
    expect(decodeEntities(flow.consentPage.body)).toContain('1990-01-31');
    const claims = (await exchange(config, flow)).claims()!;
    expect(claims.birthdate).toBe('1990-01-31');
    expect(claims.email).toBeUndefined();
  });

  it('authenticates a private_key_jwt client by its inline jwks (RFC 7523)', async () => {
    const keyed = await oidc.discovery(new URL(upstream.issuer), 'kontor-jwt', undefined, oidc.PrivateKeyJwt({ key: signingKey, kid: 'rp-1' }), insecure);
    const agent = new BrowserAgent(upstream.url);
    const flow = await logIn(agent, keyed);
    expect(decodeEntities(flow.consentPage.body)).toContain('Kontor mit Schlüssel möchte folgende Daten erhalten:');
    const tokens = await exchange(keyed, flow);
    expect(tokens.claims()).toMatchObject({ aud: 'kontor-jwt', sub: UPSTREAM_ACCOUNT.sub });
    // The shared secret of the other client is no way in for this one.
    const wrongAuth = await oidc.discovery(new URL(upstream.issuer), 'kontor-jwt', undefined, oidc.ClientSecretBasic(SECRET), insecure);
    const second = await logIn(new BrowserAgent(upstream.url), keyed);
    await expect(exchange(wrongAuth, second)).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: 'invalid_client' }) })],
    });
  });
});
