import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { backchannelReceiver, BACKCHANNEL_EVENT } from './helpers/backchannel.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  formEndingWith,
  loginAndConsent,
  open,
  registerClient,
  submitLogin,
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { fieldError, markedRules } from './helpers/registration.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';

describe('password reset', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    // Remembered consent: these tests come back to the portal from the session without a consent page (issue 16).
    const client = await registerClient(kontor, { consent: 'remembered' });
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /** Asks for a reset link on /password/forgot and returns it from the mail that arrives. */
  async function requestReset(identifier: string, mailbox = identifier): Promise<string> {
    const before = smtp.to(mailbox).length;
    const agent = new BrowserAgent(kontor.url);
    const form = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot');
    const sent = await agent.post(form.action, { ...form.fields, identifier });
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('Bitte sehen Sie in Ihr Postfach');
    const mail = (await smtp.waitFor(mailbox, before + 1))[before]!;
    expect(mail.subject).toBe('Passwort zurücksetzen');
    return SmtpSink.linkIn(mail, `${kontor.url}/password/reset?token=`);
  }

  /** Opens the link and submits the new-password form. */
  async function submitNewPassword(agent: BrowserAgent, link: string, password: string, confirmation = password): Promise<AgentResponse> {
    const page = await agent.get(link);
    expect(page.status).toBe(200);
    const form = formEndingWith(page.body, '/password/reset');
    return agent.post(form.action, { ...form.fields, password, passwordConfirmation: confirmation });
  }

  async function loginFails(email: string, password: string): Promise<void> {
    const agent = new BrowserAgent(kontor.url);
    const refused = await submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), email, password);
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('Die Anmeldung ist fehlgeschlagen.');
  }

  const loginWorks = async (user: TestUser) =>
    expect((await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(config), user)).searchParams.get('code')).toBeTruthy();

  function expectInvalidLinkPage(response: AgentResponse): void {
    expect(response.status).toBe(410);
    expect(response.body).toContain('Dieser Link ist nicht mehr gültig');
    expect(response.body).toContain('href="/password/forgot"');
  }

  it('resets a forgotten password through the mailed link: rules enforced, notice mailed, old password refused, new one accepted', async () => {
    const user = await createUser(kontor, { password: 'Altes-Passwort-1' });
    const link = await requestReset(user.email);

    const agent = new BrowserAgent(kontor.url);
    const page = await agent.get(link);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Neues Passwort festlegen');
    expect(decodeEntities(page.body)).toContain('mindestens 8 und höchstens 40 Zeichen');
    expect(formEndingWith(page.body, '/password/reset').fields.token).toBe(new URL(link).searchParams.get('token'));

    const weak = await submitNewPassword(agent, link, 'kurz');
    expect(weak.status).toBe(400);
    expect(fieldError(weak, 'password')).toBe(
      'Verlängern Sie das Passwort auf mindestens 8 Zeichen. Ergänzen Sie Zeichen aus 2 dieser Gruppen: Groß- und Kleinbuchstaben, Ziffern, Sonderzeichen.',
    );
    expect(markedRules(weak)).toEqual([
      'mindestens 8 und höchstens 40 Zeichen',
      'Zeichen aus mindestens 2 dieser Gruppen: Groß- und Kleinbuchstaben (auch Ä, Ö, Ü, ä, ö, ü, ß), Ziffern, Sonderzeichen wie § $ % ? ! + -',
    ]);
    expect(formEndingWith(weak.body, '/password/reset').fields.token).toBe(new URL(link).searchParams.get('token'));

    const spaced = await submitNewPassword(agent, link, 'Neues Passwort 1<');
    expect(spaced.status).toBe(400);
    expect(markedRules(spaced)).toEqual(['darf keine Leerzeichen enthalten', 'darf die Zeichen < > nicht enthalten']);
    expect(decodeEntities(spaced.body)).not.toContain('Neues Passwort 1<');

    const mismatch = await submitNewPassword(agent, link, 'Neues-Passwort-2', 'Neues-Passwort-3');
    expect(mismatch.status).toBe(400);
    expect(fieldError(mismatch, 'passwordConfirmation')).toBe(
      'Die beiden Passwörter stimmen nicht überein. Geben Sie in „Passwort wiederholen“ dasselbe Passwort ein.',
    );

    // None of the refused attempts used the link up.
    const mailsBefore = smtp.to(user.email).length;
    const done = await submitNewPassword(agent, link, 'Neues-Passwort-2');
    expect(done.status).toBe(200);
    expect(done.body).toContain('Ihr Passwort wurde geändert');
    expect(done.body).toContain('Sie wurden auf allen Geräten abgemeldet.');

    const notice = (await smtp.waitFor(user.email, mailsBefore + 1))[mailsBefore]!;
    expect(notice.subject).toBe('Ihr Passwort wurde geändert');
    expect(notice.text).toContain('Zu Ihrer Sicherheit wurden Sie überall abgemeldet');
    expect(notice.text).not.toContain('Neues-Passwort-2');

    await loginFails(user.email, 'Altes-Passwort-1');
    await loginWorks({ ...user, password: 'Neues-Passwort-2' });
  });

  it('accepts a reset link only once', async () => {
    const user = await createUser(kontor, { password: 'Altes-Passwort-1' });
    const link = await requestReset(user.email);
    expect((await submitNewPassword(new BrowserAgent(kontor.url), link, 'Erstes-Passwort-2')).status).toBe(200);

    const agent = new BrowserAgent(kontor.url);
    expectInvalidLinkPage(await agent.get(link));
    const csrf = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot').fields.csrf_token!;
    const again = await agent.post('/password/reset', {
      csrf_token: csrf,
      token: new URL(link).searchParams.get('token')!,
      password: 'Zweites-Passwort-3',
      passwordConfirmation: 'Zweites-Passwort-3',
    });
    expectInvalidLinkPage(again);

    await loginFails(user.email, 'Zweites-Passwort-3');
    await loginWorks({ ...user, password: 'Erstes-Passwort-2' });
  });

  it('refuses an expired reset link and one replaced by a newer request', async () => {
    const user = await createUser(kontor, { password: 'Altes-Passwort-1' });
    const replaced = await requestReset(user.email);
    const link = await requestReset(user.email);
    expectInvalidLinkPage(await new BrowserAgent(kontor.url).get(replaced));

    const page = await new BrowserAgent(kontor.url).get(link);
    expect(page.status).toBe(200);
    kontor.clock.advance(kontor.config.registration.resetMinutes * 60 + 60);

    const agent = new BrowserAgent(kontor.url);
    expectInvalidLinkPage(await agent.get(link));
    const csrf = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot').fields.csrf_token!;
    expectInvalidLinkPage(
      await agent.post('/password/reset', {
        csrf_token: csrf,
        token: new URL(link).searchParams.get('token')!,
        password: 'Neues-Passwort-2',
        passwordConfirmation: 'Neues-Passwort-2',
      }),
    );

    await loginFails(user.email, 'Neues-Passwort-2');
    await loginWorks(user);
  });

  it("ends the account's sessions: the browser that was logged in is asked to log in again", async () => {
    const user = await createUser(kontor, { password: 'Altes-Passwort-1' });
    const browser = new BrowserAgent(kontor.url);
    await loginAndConsent(browser, await authorizationRequest(config), user);

    // Logged in: the next authorization request goes straight back to the portal.
    const before = await open(browser, (await authorizationRequest(config)).url);
    expect(before.location).toMatch(/^http:\/\/127\.0\.0\.1:4999\/callback\?code=/);

    const link = await requestReset(user.email);
    expect((await submitNewPassword(new BrowserAgent(kontor.url), link, 'Neues-Passwort-2')).status).toBe(200);

    const after = await open(browser, (await authorizationRequest(config)).url);
    expect(after.status).toBe(200);
    expect(after.location).toBeNull();
    expect(formEndingWith(after.body, '/login').action).toMatch(/^\/interaction\/[^/]+\/login$/);
    const next = await submitLogin(browser, after, user.email, 'Neues-Passwort-2');
    expect(next.location?.startsWith(REDIRECT_URI) || next.body.includes('/consent"')).toBe(true);
  });

  it("ends the account's tokens and grants too: refresh token, access token and the grant stop working", async () => {
    const user = await createUser(kontor, { password: 'Altes-Passwort-1' });
    const bystander = await createUser(kontor);
    const request = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await oidc.authorizationCodeGrant(config, await loginAndConsent(new BrowserAgent(kontor.url), request, user), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const otherRequest = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent' });
    const otherTokens = await oidc.authorizationCodeGrant(config, await loginAndConsent(new BrowserAgent(kontor.url), otherRequest, bystander), {
      pkceCodeVerifier: otherRequest.codeVerifier,
      expectedState: otherRequest.state,
      expectedNonce: otherRequest.nonce,
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const grants = (accountId: string) =>
      kontor.container.db.orm.em.fork().execute("select 1 from oidc_payload where kind = 'Grant' and payload->>'accountId' = ?", [accountId], 'all');
    expect(await grants(user.accountId)).toHaveLength(1);

    const link = await requestReset(user.email);
    expect((await submitNewPassword(new BrowserAgent(kontor.url), link, 'Neues-Passwort-2')).status).toBe(200);

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const userinfo = await fetch(`${kontor.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(401);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(config, tokens.refresh_token!)).toEqual({ active: false });
    expect(await grants(user.accountId)).toHaveLength(0);
    const ended = await kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: user.accountId, type: 'session.ended' });
    expect(ended.map((event) => event.details)).toEqual([{ reason: 'password_reset' }]);

    // Another person's tokens stay valid.
    expect(await oidc.tokenIntrospection(config, otherTokens.access_token)).toMatchObject({ active: true });
    await expect(oidc.refreshTokenGrant(config, otherTokens.refresh_token!)).resolves.toHaveProperty('access_token');
  });

  it('sends a back-channel logout token for the user to a portal they were logged in to', async () => {
    const receiver = await backchannelReceiver();
    try {
      const client = await registerClient(kontor, { backchannelLogoutUri: receiver.url });
      const portal = await discover(kontor, client.clientId, client.clientSecret);
      const user = await createUser(kontor, { password: 'Altes-Passwort-1' });
      const request = await authorizationRequest(portal);
      const tokens = await oidc.authorizationCodeGrant(portal, await loginAndConsent(new BrowserAgent(kontor.url), request, user), {
        pkceCodeVerifier: request.codeVerifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });
      const idClaims = tokens.claims()!;
      expect(receiver.tokens).toHaveLength(0);

      const link = await requestReset(user.email);
      expect((await submitNewPassword(new BrowserAgent(kontor.url), link, 'Neues-Passwort-2')).status).toBe(200);

      expect(receiver.tokens).toHaveLength(1);
      const logoutToken = receiver.tokens[0]!;
      expect(logoutToken.split('.')).toHaveLength(3);
      expect(decodeProtectedHeader(logoutToken).typ).toBe('logout+jwt');
      const { payload } = await jwtVerify(logoutToken, createRemoteJWKSet(new URL(`${kontor.url}/jwks`)), { issuer: kontor.url, audience: client.clientId });
      expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
      expect(payload.sub).toBe(idClaims.sub);
      expect(payload.sid).toBe(idClaims.sid);
      expect(payload.jti).toEqual(expect.any(String));
      expect(payload.iat).toEqual(expect.any(Number));
      expect(payload.nonce).toBeUndefined();
    } finally {
      receiver.server.close();
    }
  });

  it('audits the request and the completion without any token, password or address in the details', async () => {
    const user = await createUser(kontor, { password: 'Altes-Passwort-1' });
    const link = await requestReset(user.email);
    const token = new URL(link).searchParams.get('token')!;
    expect((await submitNewPassword(new BrowserAgent(kontor.url), link, 'Neues-Passwort-2')).status).toBe(200);

    const em = kontor.container.db.orm.em.fork();
    const events = await em.find(
      AuditEvent,
      { accountId: user.accountId, type: { $in: ['password.reset_requested', 'password.reset_completed'] } },
      { orderBy: { createdAt: 'asc' } },
    );
    expect(events.map((event) => event.type)).toEqual(['password.reset_requested', 'password.reset_completed']);
    expect(events[0]!.details).toEqual({ mailed: true });
    expect(events.every((event) => event.ip !== null)).toBe(true);
    for (const event of events) {
      const details = JSON.stringify(event.details);
      for (const secret of [token, 'Neues-Passwort-2', 'Altes-Passwort-1', user.email, '/password/reset']) expect(details).not.toContain(secret);
    }

    // A request for an unknown address is audited without the address.
    const unknown = `niemand.${Date.now()}@example.org`;
    const count = await em.count(AuditEvent, { type: 'password.reset_requested' });
    const agent = new BrowserAgent(kontor.url);
    const form = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot');
    expect((await agent.post(form.action, { ...form.fields, identifier: unknown })).status).toBe(200);
    const latest = await kontor.container.db.orm.em.fork().find(AuditEvent, { type: 'password.reset_requested' }, { orderBy: { createdAt: 'desc' }, limit: 1 });
    expect(await kontor.container.db.orm.em.fork().count(AuditEvent, { type: 'password.reset_requested' })).toBe(count + 1);
    expect(latest[0]).toMatchObject({ accountId: null, details: { known: false, mailed: true } });
    expect(JSON.stringify(latest[0])).not.toContain(unknown);
  });
});
