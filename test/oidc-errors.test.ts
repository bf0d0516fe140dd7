import * as oidc from 'openid-client';
import { OidcPayload } from '../src/oidc/oidc-payload.entity.ts';
import { ArtifactIds } from '../src/oidc/artifact-ids.ts';
import { startTestKontor, type Backend, type TestKontor } from './helpers/kontor.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  formEndingWith,
  loginAndConsent,
  open,
  registerClient,
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';

// PostgreSQL server only: the embedded database gets the smoke journey in registration.test.ts, which
// covers the same adapter and transaction paths; running every protocol test twice doubled their time.
describe.each<Backend>(['postgres'])('refusals on %s', (backend) => {
  let kontor: TestKontor;
  let user: TestUser;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor(backend);
    user = await createUser(kontor);
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  async function loginPage(agent = new BrowserAgent(kontor.url)) {
    const page = await open(agent, (await authorizationRequest(config)).url);
    expect(page.status).toBe(200);
    return { agent, page, form: formEndingWith(page.body, '/login') };
  }

  it('answers a wrong password and an unknown user with the same generic message', async () => {
    const wrongPassword = await loginPage();
    const first = await wrongPassword.agent.post(wrongPassword.form.action, { ...wrongPassword.form.fields, username: user.email, password: 'falsch' });
    const unknownUser = await loginPage();
    const second = await unknownUser.agent.post(unknownUser.form.action, { ...unknownUser.form.fields, username: 'niemand@example.org', password: 'falsch' });
    for (const response of [first, second]) {
      expect(response.status).toBe(401);
      expect(response.body).toContain('Die Anmeldung ist fehlgeschlagen');
      expect(response.body).not.toContain('value="falsch"'); // the password is never echoed
    }
    expect(first.body).toContain(`value="${user.email}"`); // the username is kept for a retry
  });

  it('shows field errors for an empty form', async () => {
    const { agent, form } = await loginPage();
    const response = await agent.post(form.action, { ...form.fields, username: '', password: '' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('aria-invalid="true"');
  });

  it('refuses a login POST without or with a wrong CSRF token', async () => {
    const { agent, form } = await loginPage();
    const missing = await agent.post(form.action, { username: user.email, password: user.password });
    expect(missing.status).toBe(403);
    const wrong = await agent.post(form.action, { csrf_token: 'forged', username: user.email, password: user.password });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('Das Formular ist abgelaufen');
    // The genuine token still works afterwards: the refusal did not log anyone in or out.
    const genuine = await agent.post(form.action, { ...form.fields, username: user.email, password: user.password });
    expect(genuine.status).toBe(303);
  });

  it('refuses consent and abort POSTs without the CSRF token', async () => {
    const { agent, form } = await loginPage();
    const consentPage = await agent.follow(await agent.post(form.action, { ...form.fields, username: user.email, password: user.password }), (location) =>
      location.startsWith(REDIRECT_URI),
    );
    const consent = formEndingWith(consentPage.body, '/consent');
    const abort = formEndingWith(consentPage.body, '/abort');
    expect((await agent.post(consent.action, {})).status).toBe(403);
    expect((await agent.post(abort.action, { csrf_token: 'forged' })).status).toBe(403);
    // Still on the consent step: the genuine form goes through.
    expect((await agent.post(consent.action, consent.fields)).status).toBe(303);
  });

  it('answers requests carrying NUL bytes with protocol errors, not server errors', async () => {
    const request = await authorizationRequest(config, { state: 'a\u0000b', login_hint: 'x\u0000y' });
    const page = await open(new BrowserAgent(kontor.url), request.url);
    expect(page.status).toBe(200); // the login page; the NUL is dropped from what is stored
    const unknownClient = await new BrowserAgent(kontor.url).get(
      `${kontor.url}/auth?client_id=x%00&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
    );
    expect(unknownClient.status).toBe(400);
    await expect(
      oidc.authorizationCodeGrant(config, new URL(`${REDIRECT_URI}?code=abc%00&iss=${encodeURIComponent(kontor.url)}`), { pkceCodeVerifier: 'x'.repeat(43) }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const { agent, form } = await loginPage();
    const login = await agent.post(form.action, { ...form.fields, username: 'a\u0000b', password: 'x' });
    expect(login.status).toBe(400);
  });

  it('refuses a CSRF token taken from another browser', async () => {
    const victim = await loginPage();
    const attacker = await loginPage();
    const response = await victim.agent.post(victim.form.action, {
      csrf_token: attacker.form.fields.csrf_token!,
      username: user.email,
      password: user.password,
    });
    expect(response.status).toBe(403);
  });

  it('does not redirect to a redirect URI that is not registered exactly', async () => {
    for (const redirect of [`${REDIRECT_URI}/`, `${REDIRECT_URI}?next=1`, 'http://127.0.0.1:4999/CALLBACK', 'http://evil.example/callback']) {
      const request = await authorizationRequest(config, { redirect_uri: redirect });
      const response = await new BrowserAgent(kontor.url).get(request.url.href);
      expect([redirect, response.status, response.location]).toEqual([redirect, 400, null]);
      expect(response.body).toContain('redirect_uri');
    }
  });

  it('requires redirect_uri even when the client registered only one (OIDC Core §3.1.2.1)', async () => {
    const request = await authorizationRequest(config);
    request.url.searchParams.delete('redirect_uri');
    const response = await new BrowserAgent(kontor.url).get(request.url.href);
    expect(response.status).toBe(400);
  });

  it('requires PKCE from public clients', async () => {
    const client = await registerClient(kontor, { authMethod: 'none' });
    expect(client.clientSecret).toBeUndefined();
    const publicConfig = await discover(kontor, client.clientId, undefined, oidc.None());
    const url = oidc.buildAuthorizationUrl(publicConfig, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1' });
    const response = await new BrowserAgent(kontor.url).get(url.href);
    expect(response.status).toBe(303);
    const location = new URL(response.location!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('completes the flow for a public client that uses PKCE', async () => {
    const client = await registerClient(kontor, { authMethod: 'none' });
    const publicConfig = await discover(kontor, client.clientId, undefined, oidc.None());
    const request = await authorizationRequest(publicConfig);
    const tokens = await oidc.authorizationCodeGrant(publicConfig, await loginAndConsent(new BrowserAgent(kontor.url), request, user), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.access_token).toBeDefined();
  });

  it('refuses an expired authorization code', async () => {
    const request = await authorizationRequest(config);
    const callback = await loginAndConsent(new BrowserAgent(kontor.url), request, user);
    // Let the code's lifetime pass: move its expiry into the past, as time would.
    const em = kontor.container.db.orm.em.fork();
    const row = await em.findOneOrFail(OidcPayload, {
      kind: 'AuthorizationCode',
      id: new ArtifactIds(kontor.config.secret).storedId(callback.searchParams.get('code')!),
    });
    row.expiresAt = new Date(Date.now() - 1000);
    row.payload = { ...row.payload, exp: Math.floor(Date.now() / 1000) - 1 };
    await em.flush();
    await expect(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('lets the person decline, and the portal receives access_denied', async () => {
    const { agent, page } = await loginPage();
    const abort = formEndingWith(page.body, '/abort');
    const response = await agent.follow(await agent.post(abort.action, abort.fields), (location) => location.startsWith(REDIRECT_URI));
    expect(new URL(response.location!).searchParams.get('error')).toBe('access_denied');
  });

  it('explains an expired or foreign interaction instead of failing obscurely', async () => {
    const { page } = await loginPage();
    const form = formEndingWith(page.body, '/login');
    const stranger = new BrowserAgent(kontor.url); // no interaction cookie
    const response = await stranger.get(form.action.replace(/\/login$/, ''));
    expect(response.status).toBe(400);
    // A live interaction without its cookie: another browser, or cookies blocked (issue 14 tells them apart).
    expect(response.body).toContain('müssen Sie in Ihrem Browser Cookies zulassen');
    const gone = await stranger.get('/interaction/AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(gone.status).toBe(400);
    expect(gone.body).toContain('Ihre Anmeldung ist abgelaufen');
  });

  it('shows the login page in English when the portal asks for ui_locales=en', async () => {
    const page = await open(new BrowserAgent(kontor.url), (await authorizationRequest(config, { ui_locales: 'en' })).url);
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('E-mail address');
  });
});
