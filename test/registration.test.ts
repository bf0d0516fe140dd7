import * as oidc from 'openid-client';
import { startTestKontor, type Backend, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, discover, formEndingWith, open, registerClient, REDIRECT_URI } from './helpers/relying-party.ts';
import { confirmLink, newRegistrant, registerThroughInteraction } from './helpers/registration.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { Account } from '../src/accounts/account.entity.ts';
import { AccountConsent } from '../src/accounts/account-consent.entity.ts';

const atRedirectUri = (location: string) => location.startsWith(REDIRECT_URI);

// The smoke journey of the embedded default (PGlite): registration, mail, confirmation and the code flow,
// through the transactions that would hang on PGlite's single connection if one opened another. It runs on
// the PostgreSQL server too; the other protocol suites run there only.
describe.each<Backend>(['postgres', 'embedded'])('citizen registration with e-mail confirmation on %s', (backend) => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor(backend, { SMTP_URL: smtp.url });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  it('registers, receives the confirmation mail over SMTP, confirms and completes the code flow logged in', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant({ salutation: 'ms' });
    const request = await authorizationRequest(config);
    const sent = await registerThroughInteraction(agent, request, person);
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    expect(sent.body).toContain(person.email);

    const [mail] = await smtp.waitFor(person.email);
    expect(mail!.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    expect(mail!.html).toContain('E-Mail-Adresse bestätigen');
    const link = SmtpSink.linkIn(mail!, `${kontor.url}/register/confirm?token=`);

    // Before confirming, the password does not open the account: a page offers a new link instead.
    const other = new BrowserAgent(kontor.url);
    const loginPage = await open(other, (await authorizationRequest(config)).url);
    const login = formEndingWith(loginPage.body, '/login');
    const refused = await other.post(login.action, { ...login.fields, username: person.email, password: person.password });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Ihre E-Mail-Adresse ist noch nicht bestätigt');

    // The confirmation resumes the original interaction in this browser: straight on to consent, then the portal.
    let next = await confirmLink(agent, link, atRedirectUri);
    if (next.status === 200 && next.body.includes('/consent')) {
      const consent = formEndingWith(next.body, '/consent');
      next = await agent.follow(await agent.post(consent.action, consent.fields), atRedirectUri);
    }
    expect(next.location).toMatch(/^http:\/\/127\.0\.0\.1:4999\/callback\?code=/);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next.location!), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.amr).toEqual(['pwd']);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ email: person.email, email_verified: true, given_name: 'Erika', family_name: 'Mustermann' });

    // The link was single-use: opened again, it says the address is confirmed (issue 14), and confirms nothing.
    const reused = await agent.get(link);
    expect(reused.status).toBe(200);
    expect(reused.body).toContain('Ihre E-Mail-Adresse ist bereits bestätigt');
    expect(reused.body).not.toContain('name="token"');

    // Stored: an active account, the consents with their text version, and the audit trail.
    const em = kontor.container.db.orm.em.fork();
    const account = await em.findOneOrFail(Account, { emailNormalized: person.email.toLowerCase() });
    expect(account).toMatchObject({ status: 'active', emailVerified: true, salutation: 'ms', locale: 'de' });
    const consents = await em.find(AccountConsent, { account: account.id });
    expect(consents.map((consent) => [consent.consentId, consent.version, consent.granted])).toEqual([['privacy', '2026-11-01', true]]);
    const events = (await em.find(AuditEvent, { accountId: account.id }, { orderBy: { createdAt: 'asc' } })).map((event) => event.type);
    expect(events).toEqual(['account.registered', 'login.failed', 'account.confirmed', 'login.succeeded', 'consent.granted']);
  });
});
