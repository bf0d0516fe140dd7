import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, discover, formEndingWith, registerClient } from './helpers/relying-party.ts';
import { accountFields, fieldError, newRegistrant, openAccountStep, postAccountStep, registerThroughInteraction } from './helpers/registration.ts';

// Any visitor can make Kontor send a genuine mail to any address. What they type must not turn it into a
// phishing mail: names are names, no field takes a web address or invisible bidi characters, and mail
// to an unconfirmed address greets without the typed name.

// Each message names the field it is about (its label), WCAG 3.3.1.
const NO_URLS = (label: string) =>
  `Geben Sie bei „${label}“ keine Internet-Adressen ein (etwa „beispiel.de“ oder „https://…“). Setzen Sie nach einem Punkt ein Leerzeichen.`;
const INVISIBLE = (label: string) =>
  `„${label}“ enthält unsichtbare Steuerzeichen (etwa zur Umkehr der Schreibrichtung). Geben Sie den Text ohne diese Zeichen ein.`;
const NAME_CHARACTERS = (label: string) =>
  `„${label}“ darf nur Buchstaben (auch mit Akzenten), Leerzeichen und die Zeichen - ' . enthalten und muss mit einem Buchstaben beginnen.`;

describe('what visitors can put into mail Kontor sends', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({
        ...ROOMY_RATE_LIMITS,
        registration: { profileFields: [{ name: 'department', type: 'text', label: { de: 'Dienststelle', en: 'Department' } }] },
      }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const outboxRows = (recipient: string) => kontor.container.db.orm.em.fork().execute('select id from mail_outbox where recipient = ?', [recipient], 'all');

  it.each([
    ['a sentence as given name', { givenName: 'Ihr Konto wird gesperrt. Jetzt entsperren:' }, 'givenName', NAME_CHARACTERS('Vorname')],
    ['a URL as family name', { familyName: 'https://evil.example/entsperren' }, 'familyName', NO_URLS('Nachname')],
    ['a host name as family name', { familyName: 'evil.example' }, 'familyName', NO_URLS('Nachname')],
    ['a bidi override (U+202E) in the given name', { givenName: 'Erika\u202Elpmaxe.live' }, 'givenName', INVISIBLE('Vorname')],
    ['a zero-width space in the family name', { familyName: 'Muster\u200Bmann' }, 'familyName', INVISIBLE('Nachname')],
    ['digits in a name', { givenName: 'Erika 2026' }, 'givenName', NAME_CHARACTERS('Vorname')],
    ['a name of 51 letters', { familyName: 'M'.repeat(51) }, 'familyName', '„Nachname“ darf höchstens 50 Zeichen lang sein.'],
  ])('refuses %s at the account step with a field message, and sends nothing', async (_case, names, field, message) => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant(names);
    const refused = await postAccountStep(agent, await openAccountStep(agent, await authorizationRequest(config)), accountFields(person));
    expect(refused.status).toBe(400);
    expect(fieldError(refused, field)).toBe(message);
    expect(await outboxRows(person.email)).toEqual([]);
  });

  it('accepts names with diacritics, apostrophes, hyphens and initials', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant({ givenName: 'J. Renée', familyName: 'O’Brien-Łukasiewicz' });
    const next = await postAccountStep(agent, await openAccountStep(agent, await authorizationRequest(config)), accountFields(person));
    expect(next.status).toBe(303);
  });

  it.each([
    ['a URL', 'Bitte entsperren: https://evil.example/x', NO_URLS('Dienststelle')],
    ['a host name', 'siehe evil.example', NO_URLS('Dienststelle')],
    ['a bidi isolate (U+2066)', 'Amt \u2066für\u2069 Bürgerdienste', INVISIBLE('Dienststelle')],
  ])('refuses %s in a free-text profile field', async (_case, department, message) => {
    const agent = new BrowserAgent(kontor.url);
    const step2 = await agent.follow(
      await postAccountStep(agent, await openAccountStep(agent, await authorizationRequest(config)), accountFields(newRegistrant())),
    );
    const form = formEndingWith(step2.body, '/register/profile');
    const refused = await agent.post(form.action, { ...form.fields, department });
    expect(refused.status).toBe(400);
    expect(fieldError(refused, 'profile-department')).toBe(message);
  });

  it('greets neutrally, without the typed name, in the confirmation mail and in the resent one', async () => {
    const person = newRegistrant({ givenName: 'Jetzt Entsperren', familyName: 'Kontosperre' });
    const sent = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
    expect(sent.status).toBe(200);
    const agent = new BrowserAgent(kontor.url);
    const form = formEndingWith((await agent.get('/register/resend')).body, '/register/resend');
    expect((await agent.post(form.action, { ...form.fields, email: person.email })).status).toBe(200);

    const mails = await smtp.waitFor(person.email, 2);
    for (const mail of mails) {
      expect(mail.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
      expect(mail.text).toMatch(/^Kontor Servicekonto\s+Guten Tag,\s/);
      expect(mail.html).toContain('<p>Guten Tag,</p>');
      for (const typed of [person.givenName, person.familyName, 'Entsperren']) {
        expect(mail.text).not.toContain(typed);
        expect(mail.html).not.toContain(typed);
      }
    }
  });
});
