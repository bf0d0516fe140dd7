import * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import {
  BrowserAgent,
  authorizationRequest,
  discover,
  formEndingWith,
  open,
  registerClient,
  submitConsent,
  submitLogin,
  REDIRECT_URI,
  type AuthorizationRequest,
} from './helpers/relying-party.ts';
import { confirmLink, newRegistrant, registerThroughInteraction, type Registrant } from './helpers/registration.ts';
import { Account } from '../src/accounts/account.entity.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { purge } from '../src/server.ts';
import { createLogger } from '../src/shared/logger.ts';

const CONFIRM_PREFIX = '/register/confirm?token=';

describe('e-mail confirmation links', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    const client = await registerClient(kontor, { clientUri: 'https://portal.example.org/start' });
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const em = () => kontor.container.db.orm.em.fork();
  const rows = <T extends object>(query: string, params: unknown[] = []) => em().execute<T[]>(query, params, 'all');
  const accountOf = (email: string) => em().findOne(Account, { emailNormalized: email.toLowerCase() });

  /** Registers through a fresh authorization request; returns the browser, the request and the mailed link. */
  async function register(
    person: Registrant = newRegistrant(),
    mailNumber = 1,
  ): Promise<{ agent: BrowserAgent; request: AuthorizationRequest; link: string; person: Registrant }> {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const sent = await registerThroughInteraction(agent, request, person);
    expect(sent.status).toBe(200);
    const mails = await smtp.waitFor(person.email, mailNumber);
    return { agent, request, person, link: SmtpSink.linkIn(mails[mailNumber - 1]!, `${kontor.url}${CONFIRM_PREFIX}`) };
  }

  /** A CSRF token for `agent`'s cookie, from a page with a form. */
  async function csrfOf(agent: BrowserAgent): Promise<string> {
    return formEndingWith((await agent.get('/register/resend')).body, '/register/resend').fields.csrf_token!;
  }

  const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

  function expectInvalidLinkPage(response: { status: number; body: string }): void {
    expect(response.status).toBe(410);
    expect(response.body).toContain('Dieser Link ist nicht mehr gültig');
    expect(response.body).toContain('href="/register/resend"');
  }

  it('shows the 410 page for an expired link and does not activate the account', async () => {
    const { link, person } = await register();
    kontor.clock.advance(kontor.config.registration.confirmationHours * 3600 + 60);

    const agent = new BrowserAgent(kontor.url);
    expectInvalidLinkPage(await agent.get(link));
    expectInvalidLinkPage(await agent.post('/register/confirm', { csrf_token: await csrfOf(agent), token: tokenOf(link) }));
    expect(await accountOf(person.email)).toMatchObject({ status: 'pending', emailVerified: false });
  });

  it('says "already confirmed – log in now" for a link used before, on opening and on confirming', async () => {
    const { link, person } = await register();
    const first = await confirmLink(new BrowserAgent(kontor.url), link, undefined, person.password);
    expect(first.status).toBe(200);
    expect(first.body).toContain('Ihr Servicekonto ist aktiviert');

    const agent = new BrowserAgent(kontor.url);
    for (const again of [await agent.get(link), await agent.post('/register/confirm', { csrf_token: await csrfOf(agent), token: tokenOf(link) })]) {
      expect(again.status).toBe(200);
      expect(again.body).toContain('Ihre E-Mail-Adresse ist bereits bestätigt');
      expect(again.body).toContain('href="https://portal.example.org/start"');
      expect(again.body).not.toContain('Dieser Link ist nicht mehr gültig');
    }
    expect(await accountOf(person.email)).toMatchObject({ status: 'active', emailVerified: true });
  });

  it.each([
    ['no token', '/register/confirm'],
    ['an empty token', '/register/confirm?token='],
    ['a short token', '/register/confirm?token=abc'],
    ['a token with a character outside base64url', `/register/confirm?token=${'A'.repeat(42)}!`],
    ['a token one character too long', `/register/confirm?token=${'A'.repeat(44)}`],
    ['a well-formed token nobody issued', `/register/confirm?token=${'A'.repeat(43)}`],
  ])('shows the 410 page for a malformed or unknown link: %s', async (_name, path) => {
    expectInvalidLinkPage(await new BrowserAgent(kontor.url).get(path));
  });

  it('refuses a malformed token in the confirm form with 410', async () => {
    const agent = new BrowserAgent(kontor.url);
    const csrf = await csrfOf(agent);
    expectInvalidLinkPage(await agent.post('/register/confirm', { csrf_token: csrf, token: 'abc' }));
    expectInvalidLinkPage(await agent.post('/register/confirm', { csrf_token: csrf }));
  });

  it('does not consume the link on GET (mail scanners follow links): only pressing the button confirms', async () => {
    const { link, person } = await register();
    const scanner = new BrowserAgent(kontor.url);
    for (let visit = 0; visit < 2; visit += 1) {
      const page = await scanner.get(link);
      expect(page.status).toBe(200);
      expect(page.body).toContain('E-Mail-Adresse bestätigen');
      expect(formEndingWith(page.body, '/register/confirm').fields.token).toBe(tokenOf(link));
    }
    const account = await accountOf(person.email);
    expect(account).toMatchObject({ status: 'pending', emailVerified: false });
    expect(await rows<{ used_at: Date | null }>(`select used_at from verification_token where account_id = ?`, [account!.id])).toEqual([{ used_at: null }]);

    const confirmed = await confirmLink(new BrowserAgent(kontor.url), link, undefined, person.password);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Ihr Servicekonto ist aktiviert');
    expect(await accountOf(person.email)).toMatchObject({ status: 'active', emailVerified: true });
  });

  it('stops a login before confirmation with a 403 page whose button sends a new link; the new link works, the old one no longer does', async () => {
    const { link: oldLink, person } = await register();

    const agent = new BrowserAgent(kontor.url);
    const loginPage = await open(agent, (await authorizationRequest(config)).url);
    const refused = await submitLogin(agent, loginPage, person.email, person.password);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Ihre E-Mail-Adresse ist noch nicht bestätigt');
    expect(refused.body).toContain(`Bevor Sie sich anmelden können, bestätigen Sie bitte Ihre E-Mail-Adresse ${person.email}`);
    const resendForm = formEndingWith(refused.body, '/register/resend');
    expect(resendForm.fields.email).toBe(person.email);
    expect(refused.body).toContain('Neuen Link senden');

    const resent = await agent.post(resendForm.action, resendForm.fields);
    expect(resent.status).toBe(200);
    expect(resent.body).toContain('Bitte sehen Sie in Ihr Postfach');
    const mails = await smtp.waitFor(person.email, 2);
    expect(mails[1]!.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    const newLink = SmtpSink.linkIn(mails[1]!, `${kontor.url}${CONFIRM_PREFIX}`);
    expect(newLink).not.toBe(oldLink);

    expectInvalidLinkPage(await new BrowserAgent(kontor.url).get(oldLink));
    const confirmed = await confirmLink(new BrowserAgent(kontor.url), newLink, undefined, person.password);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Ihr Servicekonto ist aktiviert');
    expect(await accountOf(person.email)).toMatchObject({ status: 'active', emailVerified: true });
    expectInvalidLinkPage(await new BrowserAgent(kontor.url).get(oldLink));
  });

  it('confirms in another browser with the "activated" page; the registering browser then gets the login form and can log in', async () => {
    const { agent, link, person } = await register();

    const otherBrowser = new BrowserAgent(kontor.url);
    const confirmed = await confirmLink(otherBrowser, link, undefined, person.password);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Ihr Servicekonto ist aktiviert');
    expect(confirmed.body).toContain('href="https://portal.example.org/start"');
    expect(confirmed.body).toContain('Weiter zu „Testportal“');
    expect(confirmed.location).toBeNull();

    // The registering browser is not logged in by someone else's click: it is asked for the password.
    const request = await authorizationRequest(config);
    const loginPage = await open(agent, request.url);
    expect(loginPage.status).toBe(200);
    expect(formEndingWith(loginPage.body, '/login').action).toMatch(/^\/interaction\/[^/]+\/login$/);

    let next = await submitLogin(agent, loginPage, person.email, person.password);
    if (next.status === 200 && next.body.includes('/consent"')) next = await submitConsent(agent, next);
    expect(next.location).toMatch(new RegExp(`^${REDIRECT_URI.replace(/[.?]/g, '\\$&')}\\?code=`));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next.location!), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()!.amr).toEqual(['pwd']);
  });

  it('purges a pending registration older than 24 h whose link has expired, with all its data, and keeps fresh, still-linked and confirmed accounts', async () => {
    const stale = await register();
    const resentLink = await register();
    const confirmedOld = await register();
    expect((await confirmLink(new BrowserAgent(kontor.url), confirmedOld.link, undefined, confirmedOld.person.password)).status).toBe(200);

    // A day and an hour later: the confirmation period of all three is over.
    kontor.clock.advance((kontor.config.registration.confirmationHours + 1) * 3600);
    const fresh = await register();
    // resentLink: old, but a new link was requested: its period restarted.
    const resendAgent = new BrowserAgent(kontor.url);
    expect((await resendAgent.post('/register/resend', { csrf_token: await csrfOf(resendAgent), email: resentLink.person.email })).status).toBe(200);
    await smtp.waitFor(resentLink.person.email, 2);

    const ids = Object.fromEntries(
      await Promise.all(
        Object.entries({ stale, fresh, resentLink, confirmedOld }).map(async ([name, { person }]) => [name, (await accountOf(person.email))!.id] as const),
      ),
    ) as Record<'stale' | 'fresh' | 'resentLink' | 'confirmedOld', string>;

    const count = (table: string, column: string, id: string) =>
      rows<{ n: string }>(`select count(*)::int as n from ${table} where ${column} = ?`, [id]).then((result) => Number(result[0]!.n));
    expect(await count('credential', 'account_id', ids.stale)).toBe(1);
    expect(await count('account_consent', 'account_id', ids.stale)).toBe(1);
    expect(await count('verification_token', 'account_id', ids.stale)).toBe(1);

    await purge(kontor.container, createLogger('silent'));

    expect(await accountOf(stale.person.email)).toBeNull();
    expect(await count('account', 'id', ids.stale)).toBe(0);
    expect(await count('credential', 'account_id', ids.stale)).toBe(0);
    expect(await count('account_consent', 'account_id', ids.stale)).toBe(0);
    expect(await count('verification_token', 'account_id', ids.stale)).toBe(0);
    expectInvalidLinkPage(await new BrowserAgent(kontor.url).get(stale.link));

    expect(await accountOf(fresh.person.email)).toMatchObject({ status: 'pending' });
    expect(await accountOf(resentLink.person.email)).toMatchObject({ status: 'pending' });
    expect(await accountOf(confirmedOld.person.email)).toMatchObject({ status: 'active' });
    expect(await count('credential', 'account_id', ids.confirmedOld)).toBe(1);

    // Registrations of earlier tests in this file may be purged too (the clock moved for all of them): judge this test's four.
    const purged = await em().find(AuditEvent, { type: 'account.unconfirmed_purged', accountId: { $in: Object.values(ids) } });
    expect(purged.map((event) => event.accountId)).toEqual([ids.stale]);
    const [event] = purged;
    expect(event).toMatchObject({ ip: null, clientId: null, details: {} });
    const serialized = JSON.stringify(event);
    for (const personal of [stale.person.email, stale.person.email.toLowerCase(), stale.person.givenName, stale.person.familyName])
      expect(serialized).not.toContain(personal);
  });

  it('replaces a pending registration when the address registers again: the old link is void, the new one works', async () => {
    const email = `wieder.${Date.now()}@example.org`;
    const first = await register(newRegistrant({ email, givenName: 'Erste' }));
    const firstId = (await accountOf(email))!.id;
    const second = await register(newRegistrant({ email, givenName: 'Zweite', password: 'Anderes-Passwort-9' }), 2);
    expect(second.link).not.toBe(first.link);

    const accounts = await em().find(Account, { emailNormalized: email });
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ givenName: 'Zweite', status: 'pending' });
    expect(accounts[0]!.id).not.toBe(firstId);

    expectInvalidLinkPage(await new BrowserAgent(kontor.url).get(first.link));
    const confirmed = await confirmLink(new BrowserAgent(kontor.url), second.link, undefined, 'Anderes-Passwort-9');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Ihr Servicekonto ist aktiviert');
    expect(await accountOf(email)).toMatchObject({ givenName: 'Zweite', status: 'active', emailVerified: true });

    const registered = await em().find(AuditEvent, { type: 'account.registered', accountId: accounts[0]!.id });
    expect(registered.map((event) => event.details.replacedPending)).toEqual([true]);
  });
});
