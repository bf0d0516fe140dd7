import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink, type ReceivedMail } from './helpers/smtp-sink.ts';
import { decodeEntities } from './helpers/browser-agent.ts';
import { BrowserAgent, authorizationRequest, discover, formEndingWith, open, registerClient } from './helpers/relying-party.ts';
import { confirmLink, newRegistrant, registerThroughInteraction } from './helpers/registration.ts';

// Every kind of mail Kontor sends, in German and English, as it arrives over SMTP: it names the operator
// and how to reach them, and the portal the person came from when they came through one.

const OPERATOR = {
  name: 'Servicekonto Musterland',
  contact: { email: 'hilfe@musterland.example', phone: '+49 30 1234-5678', url: 'https://hilfe.musterland.example/' },
  links: {},
  accessibilityFeedback: {},
};
const PORTAL = 'Online-Dienste Musterstadt';

const TEXT = {
  de: {
    confirmSubject: 'Bitte bestätigen Sie Ihre E-Mail-Adresse',
    confirmPortal: `Sie haben die Registrierung bei der Anmeldung zu „${PORTAL}“ begonnen.`,
    validity: 'Bestätigen Sie Ihre Registrierung nicht in dieser Zeit, wird die unbestätigte Registrierung mit Ihren Angaben gelöscht',
    existsSubject: 'Sie haben bereits ein Servicekonto',
    existsPortal: `Der Versuch kam von der Anmeldung zu „${PORTAL}“.`,
    resetSubject: 'Passwort zurücksetzen',
    unknownSubject: 'Passwort zurücksetzen: kein Servicekonto gefunden',
    requestPortal: `Die Anforderung kam von der Anmeldung zu „${PORTAL}“.`,
    changedSubject: 'Ihr Passwort wurde geändert',
    changedPortal: `Das neue Passwort wurde bei der Anmeldung zu „${PORTAL}“ festgelegt.`,
    notYou: 'Waren Sie das nicht? Dann hat jemand anderes Ihr Passwort geändert. Setzen Sie es sofort über diesen Link neu:',
    report: `Melden Sie den Vorfall bitte auch dem Betreiber von „${OPERATOR.name}“; wie Sie ihn erreichen, steht am Ende dieser E-Mail.`,
    contact: [
      `Fragen zu Ihrem Servicekonto beantwortet der Betreiber von „${OPERATOR.name}“:`,
      'E-Mail: hilfe@musterland.example',
      'Telefon: +49 30 1234-5678',
      'Internet: https://hilfe.musterland.example/',
    ],
    password: 'Neues-Passwort-7',
  },
  en: {
    confirmSubject: 'Please confirm your e-mail address',
    confirmPortal: `You started the registration while logging in to “${PORTAL}”.`,
    validity: 'If you do not confirm your registration within that time, the unconfirmed registration is deleted with your details',
    existsSubject: 'You already have a service account',
    existsPortal: `The attempt came from the login to “${PORTAL}”.`,
    resetSubject: 'Reset your password',
    unknownSubject: 'Password reset: no service account found',
    requestPortal: `The request came from the login to “${PORTAL}”.`,
    changedSubject: 'Your password has been changed',
    changedPortal: `The new password was set while logging in to “${PORTAL}”.`,
    notYou: 'Not you? Then someone else has changed your password. Set a new one at once with this link:',
    report: `Please also report this to the operator of “${OPERATOR.name}”; how to reach them is at the end of this e-mail.`,
    contact: [
      `Questions about your service account are answered by the operator of “${OPERATOR.name}”:`,
      'E-mail: hilfe@musterland.example',
      'Phone: +49 30 1234-5678',
      'Web: https://hilfe.musterland.example/',
    ],
    password: 'New-Password-7',
  },
} as const;

describe('the mails Kontor sends, in German and English', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, operator: OPERATOR }) });
    const client = await registerClient(kontor, { name: PORTAL });
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /** The mail number `index` (0-based) to `address`, once it has arrived. */
  const mail = async (address: string, index: number): Promise<ReceivedMail> => (await smtp.waitFor(address, index + 1))[index]!;

  /** Every mail: the operator's name on top, the operator's contact in the footer of both parts. */
  function expectOperator(received: ReceivedMail, locale: 'de' | 'en'): void {
    expect(received.text.startsWith(`${OPERATOR.name}\n`)).toBe(true);
    for (const line of TEXT[locale].contact) expect(received.text).toContain(line);
    expect(received.html).toContain('href="mailto:hilfe@musterland.example"');
    expect(received.html).toContain('href="tel:+493012345678"');
    expect(received.html).toContain('href="https://hilfe.musterland.example/"');
  }

  /** Opens the login page of a new authorization request in `locale` and follows "Passwort vergessen?". */
  async function forgotFromLogin(agent: BrowserAgent, locale: 'de' | 'en', identifier: string): Promise<void> {
    const login = await open(agent, (await authorizationRequest(config, { ui_locales: locale })).url);
    const forgotUrl = /href="(\/password\/forgot\?[^"]+)"/.exec(login.body)?.[1];
    if (!forgotUrl) throw new Error('no "forgot password" link on the login page');
    const form = formEndingWith((await agent.get(decodeEntities(forgotUrl))).body, '/password/forgot');
    expect(form.fields.interaction).toBeTruthy();
    expect((await agent.post(form.action, { ...form.fields, identifier })).status).toBe(200);
  }

  it.each(['de', 'en'] as const)(
    'registration (%s): the confirmation names the portal, the contact, and that only an unconfirmed registration is deleted',
    async (locale) => {
      const person = newRegistrant();
      const sent = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config, { ui_locales: locale }), person);
      expect(sent.status).toBe(200);
      const confirm = await mail(person.email, 0);
      expect(confirm.subject).toBe(TEXT[locale].confirmSubject);
      expectOperator(confirm, locale);
      expect(confirm.text).toContain(TEXT[locale].confirmPortal);
      expect(confirm.html).toContain(TEXT[locale].confirmPortal);
      expect(confirm.text).toContain(TEXT[locale].validity);
      expect(confirm.text).not.toMatch(/Danach werden Ihre Angaben gelöscht|After that, your details are deleted/);

      // The same address again, now that it has an account: the owner hears of it, and from where.
      await confirmLink(new BrowserAgent(kontor.url), SmtpSink.linkIn(confirm, `${kontor.url}/register/confirm?token=`), undefined, person.password);
      await registerThroughInteraction(
        new BrowserAgent(kontor.url),
        await authorizationRequest(config, { ui_locales: locale }),
        newRegistrant({ email: person.email }),
      );
      const exists = await mail(person.email, 1);
      expect(exists.subject).toBe(TEXT[locale].existsSubject);
      expectOperator(exists, locale);
      expect(exists.text).toContain(TEXT[locale].existsPortal);
    },
  );

  it.each(['de', 'en'] as const)(
    'password reset (%s): link mail and changed notice name the portal; the notice says whom to tell and links the reset',
    async (locale) => {
      const email = `reset.${locale}.${Date.now()}@example.org`;
      await kontor.container.accounts.createVerified(
        { email, password: 'Altes-Passwort-1', givenName: 'Erika', familyName: 'Mustermann', locale },
        (em, id, pw) => kontor.container.passwords.setPassword(em, id, pw),
      );
      await forgotFromLogin(new BrowserAgent(kontor.url), locale, email);
      const reset = await mail(email, 0);
      expect(reset.subject).toBe(TEXT[locale].resetSubject);
      expectOperator(reset, locale);
      expect(reset.text).toContain(TEXT[locale].requestPortal);

      const agent = new BrowserAgent(kontor.url);
      const form = formEndingWith((await agent.get(SmtpSink.linkIn(reset, `${kontor.url}/password/reset?token=`))).body, '/password/reset');
      expect((await agent.post(form.action, { ...form.fields, password: TEXT[locale].password, passwordConfirmation: TEXT[locale].password })).status).toBe(
        200,
      );
      const changed = await mail(email, 1);
      expect(changed.subject).toBe(TEXT[locale].changedSubject);
      expectOperator(changed, locale);
      expect(changed.text).toContain(TEXT[locale].changedPortal);
      expect(changed.text).toContain(`${TEXT[locale].notYou}\n${kontor.url}/password/forgot`);
      expect(changed.text).toContain(TEXT[locale].report);
      expect(changed.html).toContain(`href="${kontor.url}/password/forgot"`);
    },
  );

  it.each(['de', 'en'] as const)('reset for an unknown address (%s): names the portal and the contact', async (locale) => {
    const email = `nobody.${locale}.${Date.now()}@example.org`;
    await forgotFromLogin(new BrowserAgent(kontor.url), locale, email);
    const unknown = await mail(email, 0);
    expect(unknown.subject).toBe(TEXT[locale].unknownSubject);
    expectOperator(unknown, locale);
    expect(unknown.text).toContain(TEXT[locale].requestPortal);
  });

  it('names no portal when the reset was asked for without one', async () => {
    const email = `direct.${Date.now()}@example.org`;
    await kontor.container.accounts.createVerified({ email, password: 'Altes-Passwort-1', givenName: 'Erika', familyName: 'Mustermann' }, (em, id, pw) =>
      kontor.container.passwords.setPassword(em, id, pw),
    );
    const agent = new BrowserAgent(kontor.url);
    const form = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot');
    expect((await agent.post(form.action, { ...form.fields, identifier: email })).status).toBe(200);
    const reset = await mail(email, 0);
    expectOperator(reset, 'de');
    expect(reset.text).not.toContain('Die Anforderung kam');
    expect(reset.text).not.toContain(PORTAL);
  });
});
