import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, formEndingWith, open, registerClient } from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { accountFields, fieldError, newRegistrant, openAccountStep, pageTitle, postAccountStep, submitReview, summaryErrors } from './helpers/registration.ts';

// The GOV.UK error pattern on every form (WCAG 3.3.1, 3.3.3): "Fehler: " in the title, a summary that is
// focused on load and names each field, the inline error between label and input, the password kept or
// said to be cleared.

/** The summary's attributes that move focus to it without script (the pages' CSP allows no inline script). */
const FOCUSED_SUMMARY = /<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>/;

/** Label, then the field's error, then its input: the error sits between label and input. */
function errorBetweenLabelAndInput(page: AgentResponse, id: string): boolean {
  const label = page.body.indexOf(`<label for="${id}">`);
  const error = page.body.indexOf(`id="${id}-error"`);
  const input = page.body.search(new RegExp(`<(?:input|select) id="${id}"`));
  return label >= 0 && label < error && error < input;
}

describe('form errors name their field, in the summary and at the field', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  it('registration step 1: one message per field from its label, "Fehler: " in the title, the summary focused and linking to each field', async () => {
    const agent = new BrowserAgent(kontor.url);
    const step = await openAccountStep(agent, await authorizationRequest(config));
    expect(pageTitle(step)).toBe('Registrieren – Kontor Servicekonto');
    const page = await postAccountStep(agent, step, accountFields(newRegistrant({ givenName: '', familyName: '', email: '' })));
    expect(page.status).toBe(400);
    expect(pageTitle(page)).toBe('Fehler: Registrieren – Kontor Servicekonto');
    expect(page.body).toMatch(FOCUSED_SUMMARY);
    expect(summaryErrors(page)).toEqual(['Geben Sie Ihren Vornamen ein.', 'Geben Sie Ihren Nachnamen ein.', 'Geben Sie Ihre E-Mail-Adresse ein.']);
    expect(page.body).toContain('<a href="#givenName">Geben Sie Ihren Vornamen ein.</a>');
    expect(decodeEntities(page.body)).not.toContain('Bitte füllen Sie dieses Feld aus.');
    for (const id of ['givenName', 'familyName', 'email']) expect([id, errorBetweenLabelAndInput(page, id)]).toEqual([id, true]);
  });

  it('registration step 1: keeps a good password when only another field failed, says so, and goes on without it being typed again', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant();
    const refused = await postAccountStep(agent, await openAccountStep(agent, await authorizationRequest(config)), accountFields({ ...person, givenName: '' }));
    expect(refused.status).toBe(400);
    expect(summaryErrors(refused)).toEqual(['Geben Sie Ihren Vornamen ein.']);
    expect(decodeEntities(refused.body)).toContain(
      'Ihr Passwort ist gespeichert. Lassen Sie beide Passwortfelder leer, um es zu behalten, oder geben Sie ein neues ein.',
    );
    expect(decodeEntities(refused.body)).not.toContain(person.password);
    // The fields are optional now; empty, the kept password carries on to the review.
    expect(refused.body).not.toMatch(/<input id="password"[^>]* required/);
    const next = await postAccountStep(agent, refused, { ...accountFields(person), password: '', passwordConfirmation: '' });
    expect(next.status).toBe(303);
    expect(next.location).toMatch(/\/register\/review$/);
  });

  it('registration step 1: says that the passwords were cleared when the password itself failed', async () => {
    const agent = new BrowserAgent(kontor.url);
    const page = await postAccountStep(
      agent,
      await openAccountStep(agent, await authorizationRequest(config)),
      accountFields(newRegistrant({ password: 'Abcdefghij', passwordConfirmation: 'Abcdefghij' })),
    );
    expect(page.status).toBe(400);
    expect(summaryErrors(page)).toEqual(['Ergänzen Sie eine Ziffer oder ein Sonderzeichen.']);
    expect(decodeEntities(page.body)).toContain('Aus Sicherheitsgründen haben wir das Passwort nicht aufbewahrt. Bitte geben Sie es erneut ein.');
    expect(errorBetweenLabelAndInput(page, 'password')).toBe(true);
  });

  it('review: a missing consent gets the summary, names the consent and sits above its checkbox', async () => {
    const agent = new BrowserAgent(kontor.url);
    const review = await agent.follow(
      await postAccountStep(agent, await openAccountStep(agent, await authorizationRequest(config)), accountFields(newRegistrant())),
    );
    const refused = await submitReview(agent, review, []);
    expect(refused.status).toBe(400);
    expect(pageTitle(refused)).toMatch(/^Fehler: Angaben prüfen – /);
    expect(refused.body).toMatch(FOCUSED_SUMMARY);
    const [message] = summaryErrors(refused);
    expect(message).toMatch(/^Stimmen Sie „.+“ zu; /);
    expect(refused.body).toContain(`<a href="#consent-privacy">`);
    expect(refused.body.indexOf('id="consent-privacy-error"')).toBeLessThan(refused.body.indexOf('<input type="checkbox" id="consent-privacy"'));
  });

  it('login: empty fields get the summary with messages naming them; a wrong password too, and the page says the password was cleared', async () => {
    const agent = new BrowserAgent(kontor.url);
    const login = await open(agent, (await authorizationRequest(config)).url);
    const form = formEndingWith(login.body, '/login');
    const empty = await agent.post(form.action, { ...form.fields, username: '', password: '' });
    expect(empty.status).toBe(400);
    expect(pageTitle(empty)).toBe('Fehler: Anmelden – Kontor Servicekonto');
    expect(empty.body).toMatch(FOCUSED_SUMMARY);
    expect(summaryErrors(empty)).toEqual(['Geben Sie Ihre E-Mail-Adresse ein.', 'Geben Sie Ihr Passwort ein.']);
    expect(errorBetweenLabelAndInput(empty, 'username')).toBe(true);
    expect(errorBetweenLabelAndInput(empty, 'password')).toBe(true);

    const user = await createUser(kontor);
    const wrong = await agent.post(form.action, { ...formEndingWith(empty.body, '/login').fields, username: user.email, password: 'Falsch-1234' });
    expect(wrong.status).toBe(401);
    expect(pageTitle(wrong)).toMatch(/^Fehler: Anmelden/);
    expect(summaryErrors(wrong)).toEqual(['Die Anmeldung ist fehlgeschlagen. Prüfen Sie E-Mail-Adresse und Passwort.']);
    expect(decodeEntities(wrong.body)).toContain('Aus Sicherheitsgründen haben wir das Passwort nicht aufbewahrt.');
  });

  it('forgot, reset and resend: the same summary, "Fehler: " title and messages naming the field', async () => {
    const agent = new BrowserAgent(kontor.url);
    const forgot = await agent.get('/password/forgot');
    const noName = await agent.post('/password/forgot', { ...formEndingWith(forgot.body, '/password/forgot').fields, identifier: '' });
    expect(noName.status).toBe(400);
    expect(pageTitle(noName)).toMatch(/^Fehler: Passwort vergessen/);
    expect(noName.body).toMatch(FOCUSED_SUMMARY);
    expect(summaryErrors(noName)).toEqual(['Geben Sie Ihre E-Mail-Adresse ein.']);
    expect(errorBetweenLabelAndInput(noName, 'identifier')).toBe(true);

    const resend = await agent.get('/register/resend');
    const noAddress = await agent.post('/register/resend', { ...formEndingWith(resend.body, '/register/resend').fields, email: '' });
    expect(noAddress.status).toBe(400);
    expect(pageTitle(noAddress)).toMatch(/^Fehler: /);
    expect(summaryErrors(noAddress)).toEqual(['Geben Sie Ihre E-Mail-Adresse ein.']);

    const user = await createUser(kontor);
    await agent.post('/password/forgot', { ...formEndingWith(forgot.body, '/password/forgot').fields, identifier: user.email });
    const [mail] = await smtp.waitFor(user.email);
    const link = SmtpSink.linkIn(mail!, `${kontor.url}/password/reset?token=`);
    const reset = await agent.get(link);
    const mismatch = await agent.post('/password/reset', {
      ...formEndingWith(reset.body, '/password/reset').fields,
      password: 'Neues-Passwort-2',
      passwordConfirmation: 'Neues-Passwort-3',
    });
    expect(mismatch.status).toBe(400);
    expect(pageTitle(mismatch)).toMatch(/^Fehler: Neues Passwort/);
    expect(mismatch.body).toMatch(FOCUSED_SUMMARY);
    expect(summaryErrors(mismatch)).toEqual(['Die beiden Passwörter stimmen nicht überein. Geben Sie in „Passwort wiederholen“ dasselbe Passwort ein.']);
    expect(fieldError(mismatch, 'passwordConfirmation')).toBe(summaryErrors(mismatch)[0]);
    expect(decodeEntities(mismatch.body)).toContain('Aus Sicherheitsgründen haben wir das Passwort nicht aufbewahrt.');
  });

  it('English pages say the same in English', async () => {
    const agent = new BrowserAgent(kontor.url);
    const step = await openAccountStep(agent, await authorizationRequest(config, { ui_locales: 'en' }));
    const page = await postAccountStep(
      agent,
      step,
      accountFields(newRegistrant({ givenName: '', password: 'abcdefghij', passwordConfirmation: 'abcdefghij' })),
    );
    expect(pageTitle(page)).toMatch(/^Error: Register – /);
    expect(summaryErrors(page)).toEqual([
      'Enter your given name.',
      'Add characters from 2 of these groups: upper and lower case letters, digits, special characters.',
    ]);
  });

  it('offers "Passwort anzeigen" through a script file from /static, which the pages\' CSP allows (no inline script)', async () => {
    const agent = new BrowserAgent(kontor.url);
    const login = await open(agent, (await authorizationRequest(config)).url);
    expect(login.headers.get('content-security-policy')).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(login.body).toContain('<script src="/static/kontor.js" defer></script>');
    expect(login.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(login.body).toMatch(
      /<input id="password" name="password" type="password" autocomplete="current-password" required data-show-label="Passwort anzeigen" data-hide-label="Passwort verbergen"/,
    );
    const script = await agent.get('/static/kontor.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.body).toContain('data-show-label');
  });
});
