import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, discover, formEndingWith, loginAndConsent, open, registerClient, submitLogin } from './helpers/relying-party.ts';
import { accountFields, confirmLink, fieldError, markedRules, newRegistrant, registerThroughInteraction, submitReview } from './helpers/registration.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { Account } from '../src/accounts/account.entity.ts';
import { AccountConsent } from '../src/accounts/account-consent.entity.ts';

/** Every password rule listed next to the field. */
function listedRules(page: AgentResponse): string[] {
  const list = /<div class="password-rules" id="password-rules">[\s\S]*?<ul>([\s\S]*?)<\/ul>/.exec(page.body)?.[1] ?? '';
  return [...list.matchAll(/<li[^>]*>([^<]*)/g)].map((match) => decodeEntities(match[1]!).trim());
}

const inputValue = (page: AgentResponse, id: string) => {
  const tag = new RegExp(`<input id="${id}"[^>]*>`).exec(page.body)?.[0];
  if (!tag) throw new Error(`no input #${id} on the page`);
  const value = / value="([^"]*)"/.exec(tag)?.[1];
  return value === undefined ? undefined : decodeEntities(value);
};

const reviewEntries = (page: AgentResponse) =>
  [...page.body.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map((match) => [decodeEntities(match[1]!), decodeEntities(match[2]!)]);

/** Opens a new authorization request in `agent` and goes to the registration's account step. */
async function openAccountStep(agent: BrowserAgent, config: oidc.Configuration): Promise<AgentResponse> {
  const login = await open(agent, (await authorizationRequest(config)).url);
  const registerUrl = /href="(\/interaction\/[^"]+\/register)"/.exec(login.body)?.[1];
  if (!registerUrl) throw new Error(`no registration link on the login page: ${login.status}`);
  return agent.get(registerUrl);
}

async function postAccountStep(agent: BrowserAgent, page: AgentResponse, fields: Record<string, string>): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/register');
  return agent.post(form.action, { ...form.fields, ...fields });
}

// The rules as the list beside the field says them (they read on from "Regeln für Ihr Passwort:").
const RULE = {
  length: 'mindestens 8 und höchstens 40 Zeichen',
  whitespace: 'darf keine Leerzeichen enthalten',
  forbidden: 'darf die Zeichen < > nicht enthalten',
  groups: 'Zeichen aus mindestens 2 dieser Gruppen: Groß- und Kleinbuchstaben (auch Ä, Ö, Ü, ä, ö, ü, ß), Ziffern, Sonderzeichen wie § $ % ? ! + -',
  notCommon: 'darf kein häufig verwendetes oder bereits bekannt gewordenes Passwort sein',
  notPersonal: 'darf weder Ihren Namen noch Ihre E-Mail-Adresse oder Ihren Benutzernamen enthalten',
};

async function accountOf(kontor: TestKontor, email: string): Promise<Account | null> {
  return kontor.container.db.orm.em.fork().findOne(Account, { emailNormalized: email.toLowerCase() });
}

/** Confirms from another browser, which is asked for the registration's password. */
async function confirmElsewhere(kontor: TestKontor, smtp: SmtpSink, person: { email: string; password: string }): Promise<void> {
  const [mail] = await smtp.waitFor(person.email);
  const confirmed = await confirmLink(
    new BrowserAgent(kontor.url),
    SmtpSink.linkIn(mail!, `${kontor.url}/register/confirm?token=`),
    undefined,
    person.password,
  );
  expect(confirmed.status).toBe(200);
  expect(confirmed.body).toContain('Ihr Servicekonto ist aktiviert');
}

let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await SmtpSink.start();
});
afterAll(() => smtp?.stop());

describe('registration form rules (default deployment: e-mail as username, Sachsen-Anhalt policy)', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('lists the four Sachsen-Anhalt rules, the common-password and the personal-words checks next to the password field, none marked before a submission', async () => {
    const page = await openAccountStep(new BrowserAgent(kontor.url), config);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Schritt 1 von 2');
    expect(listedRules(page)).toEqual([RULE.length, RULE.whitespace, RULE.forbidden, RULE.groups, RULE.notCommon, RULE.notPersonal]);
    expect(markedRules(page)).toEqual([]);
  });

  // Each broken rule is said once, as what to do; the list beside the field marks the rule itself.
  it.each([
    ['too short', 'Ab1-xyz', [RULE.length], 'Verlängern Sie das Passwort auf mindestens 8 Zeichen.'],
    ['longer than 40 characters', `${'Ab1-'.repeat(10)}x`, [RULE.length], 'Kürzen Sie das Passwort auf höchstens 40 Zeichen.'],
    ['with a space', 'Abcd 1234', [RULE.whitespace], 'Entfernen Sie die Leerzeichen.'],
    ['with <', 'Abcd<1234', [RULE.forbidden], 'Entfernen Sie die Zeichen < >.'],
    ['with >', 'Abcd>1234', [RULE.forbidden], 'Entfernen Sie die Zeichen < >.'],
    ['with letters of both cases only', 'Abcdefghij', [RULE.groups], 'Ergänzen Sie eine Ziffer oder ein Sonderzeichen.'],
    [
      'from one character group only',
      'abcdefghij',
      [RULE.groups],
      'Ergänzen Sie Zeichen aus 2 dieser Gruppen: Groß- und Kleinbuchstaben, Ziffern, Sonderzeichen.',
    ],
    [
      'breaking every rule at once',
      'a <b',
      [RULE.length, RULE.whitespace, RULE.forbidden, RULE.groups],
      'Verlängern Sie das Passwort auf mindestens 8 Zeichen. Entfernen Sie die Leerzeichen. Entfernen Sie die Zeichen < >. Ergänzen Sie Groß- und Kleinbuchstaben oder eine Ziffer.',
    ],
  ])('re-renders with 400, keeps the entries but not the password, and says once what to change: password %s', async (_name, password, broken, action) => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant({ salutation: 'ms', givenName: 'Renée', familyName: 'Müller-Lüdenscheidt', password });
    const page = await postAccountStep(agent, await openAccountStep(agent, config), accountFields(person));

    expect(page.status).toBe(400);
    expect(fieldError(page, 'password')).toBe(action);
    expect(markedRules(page)).toEqual(broken);
    for (const rule of broken) expect(fieldError(page, 'password')).not.toContain(rule);
    expect(page.body).toContain('Es gibt ein Problem');
    // The entries stay, the password never comes back.
    expect(inputValue(page, 'givenName')).toBe('Renée');
    expect(inputValue(page, 'familyName')).toBe('Müller-Lüdenscheidt');
    expect(inputValue(page, 'email')).toBe(person.email);
    expect(page.body).toMatch(/<option value="ms" selected>Frau<\/option>/);
    expect(inputValue(page, 'password')).toBeUndefined();
    expect(inputValue(page, 'passwordConfirmation')).toBeUndefined();
    expect(decodeEntities(page.body)).not.toContain(password);
    expect(await accountOf(kontor, person.email)).toBeNull();
  });

  it('asks for a password when none is given', async () => {
    const agent = new BrowserAgent(kontor.url);
    const page = await postAccountStep(agent, await openAccountStep(agent, config), accountFields(newRegistrant({ password: '' })));
    expect(page.status).toBe(400);
    expect(fieldError(page, 'password')).toBe('Geben Sie ein Passwort ein.');
  });

  it('refuses a confirmation that does not match the password', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant({ password: 'Musterstadt-2026', passwordConfirmation: 'Musterstadt-2027' });
    const page = await postAccountStep(agent, await openAccountStep(agent, config), accountFields(person));
    expect(page.status).toBe(400);
    expect(fieldError(page, 'passwordConfirmation')).toBe(
      'Die beiden Passwörter stimmen nicht überein. Geben Sie in „Passwort wiederholen“ dasselbe Passwort ein.',
    );
    expect(fieldError(page, 'password')).toBeUndefined();
    expect(markedRules(page)).toEqual([]);
    expect(decodeEntities(page.body)).not.toContain('Musterstadt-202');
  });

  it('refuses an e-mail address with an umlaut and keeps it in the field', async () => {
    const agent = new BrowserAgent(kontor.url);
    const page = await postAccountStep(agent, await openAccountStep(agent, config), accountFields(newRegistrant({ email: 'jürgen@example.org' })));
    expect(page.status).toBe(400);
    expect(fieldError(page, 'email')).toBe('Die E-Mail-Adresse darf keine Umlaute, Leerzeichen oder anderen Sonderzeichen außerhalb von ASCII enthalten.');
    expect(inputValue(page, 'email')).toBe('jürgen@example.org');
    expect(await accountOf(kontor, 'jürgen@example.org')).toBeNull();
  });

  it('refuses an e-mail address with < and escapes it when showing it again', async () => {
    const agent = new BrowserAgent(kontor.url);
    const page = await postAccountStep(agent, await openAccountStep(agent, config), accountFields(newRegistrant({ email: 'max<muster@example.org' })));
    expect(page.status).toBe(400);
    expect(fieldError(page, 'email')).toBe('Die Zeichen < und > sind in der E-Mail-Adresse nicht erlaubt.');
    expect(page.body).toContain('value="max&lt;muster@example.org"');
    expect(page.body).not.toContain('max<muster');
  });

  it('refuses the review without the required consent: 400, the consent error, no account and no mail', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant();
    const review = await agent.follow(await postAccountStep(agent, await openAccountStep(agent, config), accountFields(person)));
    expect(review.url).toMatch(/\/register\/review$/);
    const refused = await submitReview(agent, review, []);
    expect(refused.status).toBe(400);
    expect(fieldError(refused, 'consent-privacy')).toMatch(/^Stimmen Sie „.+“ zu; ohne diese Zustimmung können wir kein Servicekonto für Sie anlegen\.$/);
    expect(refused.body).toMatch(/<input type="checkbox" id="consent-privacy" name="consent_privacy" required aria-invalid="true"/);

    expect(await accountOf(kontor, person.email)).toBeNull();
    await kontor.container.mailDispatcher.dispatchNow();
    expect(smtp.to(person.email)).toHaveLength(0);
  });

  it('keeps the entries and the password when going back from the review with empty password fields; that password logs in after confirmation', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant({ salutation: 'mr', givenName: 'Max', familyName: 'Mustermann', password: 'Zurück-und-weiter-1' });
    const review = await agent.follow(await postAccountStep(agent, await openAccountStep(agent, config), accountFields(person)));
    expect(review.url).toMatch(/\/register\/review$/);
    expect(review.body).toContain('Schritt 2 von 2');
    expect(reviewEntries(review)).toEqual([
      ['Anrede', 'Herr'],
      ['Vorname', 'Max'],
      ['Nachname', 'Mustermann'],
      ['E-Mail-Adresse', person.email],
      ['Passwort', 'festgelegt (wird nicht angezeigt)'],
    ]);

    // "Zurück" leads to the account step, filled in, with the hint that empty password fields keep the password.
    const backUrl = /<a class="button secondary" href="([^"]+)">Zurück<\/a>/.exec(review.body)?.[1];
    expect(backUrl).toMatch(/^\/interaction\/[^/]+\/register$/);
    const back = await agent.get(backUrl!);
    expect(back.status).toBe(200);
    expect(inputValue(back, 'givenName')).toBe('Max');
    expect(inputValue(back, 'familyName')).toBe('Mustermann');
    expect(inputValue(back, 'email')).toBe(person.email);
    expect(back.body).toMatch(/<option value="mr" selected>Herr<\/option>/);
    expect(back.body).toContain('Ihr Passwort ist gespeichert. Lassen Sie beide Passwortfelder leer, um es zu behalten, oder geben Sie ein neues ein.');
    expect(inputValue(back, 'password')).toBeUndefined();
    expect(back.body).not.toContain(person.password);

    // A changed name, no password: on to the review with the new name.
    const changed = await postAccountStep(agent, back, { ...accountFields(person), givenName: 'Maximilian', password: '', passwordConfirmation: '' });
    expect(changed.status).toBe(303);
    const review2 = await agent.follow(changed);
    expect(review2.url).toMatch(/\/register\/review$/);
    expect(reviewEntries(review2)).toContainEqual(['Vorname', 'Maximilian']);

    const sent = await submitReview(agent, review2);
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    await confirmElsewhere(kontor, smtp, person);

    const account = await accountOf(kontor, person.email);
    expect(account).toMatchObject({ givenName: 'Maximilian', familyName: 'Mustermann', salutation: 'mr', status: 'active', emailVerified: true });
    const callback = await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(config), {
      email: person.email,
      password: person.password,
      accountId: account!.id,
    });
    expect(callback.searchParams.get('code')).toBeTruthy();
  });
});

describe('registration in username mode (KONTOR_USERNAME_MODE=username, NRW policy)', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_USERNAME_MODE: 'username', KONTOR_PASSWORD_POLICY: 'nrw' });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('asks for a username and shows the NRW password rules', async () => {
    const agent = new BrowserAgent(kontor.url);
    const step = await openAccountStep(agent, config);
    expect(step.body).toContain('<input id="username" name="username"');
    expect(listedRules(step)).toEqual([
      'mindestens 8 und höchstens 128 Zeichen',
      'mindestens 2 Buchstaben',
      'mindestens ein Großbuchstabe',
      'mindestens ein Kleinbuchstabe',
      'mindestens eine Ziffer',
      'mindestens ein Sonderzeichen',
      'als Sonderzeichen nur diese: - + _ [ ] ( ) $ § ! ? % & / * , . ; : < > | @ ␣',
      RULE.notCommon,
      RULE.notPersonal,
    ]);
    // A browser sends the empty field.
    const page = await postAccountStep(agent, step, accountFields(newRegistrant({ username: '', password: 'Aa1!5678' })));
    expect(page.status).toBe(400);
    expect(fieldError(page, 'username')).toBe('Wählen Sie einen Benutzernamen.');
    expect(page.body).toContain('Es gibt ein Problem');
  });

  it('asks for a username in German when the field is missing from the request altogether', async () => {
    const agent = new BrowserAgent(kontor.url);
    const page = await postAccountStep(agent, await openAccountStep(agent, config), accountFields(newRegistrant({ password: 'Aa1!5678' })));
    expect(page.status).toBe(400);
    expect(fieldError(page, 'username')).toBe('Wählen Sie einen Benutzernamen.');
  });

  it('refuses a username with an @ or an umlaut', async () => {
    const agent = new BrowserAgent(kontor.url);
    for (const username of ['max@muster', 'jürgen']) {
      const page = await postAccountStep(agent, await openAccountStep(agent, config), accountFields(newRegistrant({ username, password: 'Aa1!5678' })));
      expect(page.status).toBe(400);
      expect(fieldError(page, 'username')).toBe(
        'Der Benutzername muss 3 bis 50 Zeichen lang sein und darf nur Buchstaben ohne Umlaute, Ziffern, Punkt, Bindestrich und Unterstrich enthalten.',
      );
    }
  });

  it('treats Max.Muster and max.muster as different accounts, reports a taken username, and logs in by username after confirmation', async () => {
    const upper = newRegistrant({ givenName: 'Max', username: 'Max.Muster', password: 'Grosses-M-2026' });
    const lower = newRegistrant({ givenName: 'Moritz', username: 'max.muster', password: 'kleines-M-2026' });

    for (const person of [upper, lower]) {
      const sent = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
      expect(sent.status).toBe(200);
      expect(sent.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');
      await confirmElsewhere(kontor, smtp, person);
    }
    const em = kontor.container.db.orm.em.fork();
    const accounts = await em.find(Account, { username: { $in: ['Max.Muster', 'max.muster'] } }, { orderBy: { givenName: 'asc' } });
    expect(accounts.map((account) => [account.username, account.email, account.status])).toEqual([
      ['Max.Muster', upper.email, 'active'],
      ['max.muster', lower.email, 'active'],
    ]);

    // The exact username is taken now: the form says so and keeps the entries.
    const agent = new BrowserAgent(kontor.url);
    const taken = await postAccountStep(
      agent,
      await openAccountStep(agent, config),
      accountFields(newRegistrant({ username: 'Max.Muster', password: 'Aa1!5678' })),
    );
    expect(taken.status).toBe(400);
    expect(fieldError(taken, 'username')).toBe('Dieser Benutzername ist bereits vergeben. Wählen Sie einen anderen.');
    expect(inputValue(taken, 'username')).toBe('Max.Muster');

    // Log in with the username: exactly that account, case-sensitive.
    const request = await authorizationRequest(config);
    const callback = await loginAndConsent(new BrowserAgent(kontor.url), request, {
      email: 'Max.Muster',
      password: upper.password,
      accountId: accounts[0]!.id,
    });
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ email: upper.email, given_name: 'Max' });

    for (const [username, password] of [
      ['max.muster', upper.password],
      ['MAX.MUSTER', upper.password],
      ['Max.Muster', lower.password],
    ] as const) {
      const other = new BrowserAgent(kontor.url);
      const failed = await submitLogin(other, await open(other, (await authorizationRequest(config)).url), username, password);
      expect(failed.status).toBe(401);
      expect(failed.body).toContain('Die Anmeldung ist fehlgeschlagen.');
    }
    await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(config), {
      email: 'max.muster',
      password: lower.password,
      accountId: accounts[1]!.id,
    });
  });
});

describe('registration with the Mein-ias profile fields (docs/examples/mein-ias.json)', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: fileURLToPath(new URL('../docs/examples/mein-ias.json', import.meta.url)),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('asks for the profile as step 2 of 3, validates it, shows it on the review and stores it with both consent decisions', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant({ givenName: 'Ina', familyName: 'Sommer' });
    const step1 = await openAccountStep(agent, config);
    expect(step1.body).toContain('Schritt 1 von 3: Ihre Angaben');

    const step2 = await agent.follow(await postAccountStep(agent, step1, accountFields(person)));
    expect(step2.status).toBe(200);
    expect(step2.url).toMatch(/\/register\/profile$/);
    expect(step2.body).toContain('Schritt 2 von 3: Weitere Angaben');
    for (const label of ['Sind Ihnen Mitarbeiter:innen disziplinarisch zugeordnet?', 'Geburtsjahr', 'Geschlecht', 'Sprache'])
      expect(decodeEntities(step2.body)).toContain(label);

    // Invalid: a birth year before 1900, a gender not offered, nothing chosen for the other two.
    const profileForm = formEndingWith(step2.body, '/register/profile');
    const invalid = await agent.post(profileForm.action, { ...profileForm.fields, birthYear: '1899', gender: 'other' });
    expect(invalid.status).toBe(400);
    // Each message names its field by the configured label.
    expect(fieldError(invalid, 'profile-hasDirectReports')).toBe('Wählen Sie bei „Sind Ihnen Mitarbeiter:innen disziplinarisch zugeordnet?“ eine Antwort aus.');
    expect(fieldError(invalid, 'profile-birthYear')).toBe('Der Wert bei „Geburtsjahr“ liegt außerhalb des erlaubten Bereichs.');
    expect(fieldError(invalid, 'profile-gender')).toBe('Wählen Sie bei „Geschlecht“ eine Antwort aus.');
    expect(fieldError(invalid, 'profile-language')).toBe('Wählen Sie bei „Sprache“ eine Antwort aus.');
    expect(inputValue(invalid, 'profile-birthYear')).toBe('1899');

    const nonInteger = await agent.post(profileForm.action, {
      ...profileForm.fields,
      hasDirectReports: 'yes',
      birthYear: '19a0',
      gender: 'female',
      language: 'de',
    });
    expect(nonInteger.status).toBe(400);
    expect(fieldError(nonInteger, 'profile-birthYear')).toBe('Geben Sie bei „Geburtsjahr“ eine ganze Zahl ein.');
    expect(nonInteger.body).toMatch(/<option value="female" selected>weiblich<\/option>/);

    const review = await agent.follow(
      await agent.post(profileForm.action, { ...profileForm.fields, hasDirectReports: 'yes', birthYear: '1980', gender: 'female', language: 'de' }),
    );
    expect(review.url).toMatch(/\/register\/review$/);
    expect(review.body).toContain('Schritt 3 von 3: Prüfen und bestätigen');
    expect(reviewEntries(review)).toEqual([
      ['Vorname', 'Ina'],
      ['Nachname', 'Sommer'],
      ['E-Mail-Adresse', person.email],
      ['Passwort', 'festgelegt (wird nicht angezeigt)'],
      ['Sind Ihnen Mitarbeiter:innen disziplinarisch zugeordnet?', 'Ja'],
      ['Geburtsjahr', '1980'],
      ['Geschlecht', 'weiblich'],
      ['Sprache', 'Deutsch'],
    ]);
    expect(review.body).toContain('name="consent_terms"');
    expect(review.body).toContain('name="consent_data-use"');

    // Only the required consent ticked.
    const started = Date.now();
    const sent = await submitReview(agent, review, ['terms']);
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');

    const em = kontor.container.db.orm.em.fork();
    const account = await em.findOneOrFail(Account, { emailNormalized: person.email.toLowerCase() });
    expect(account.status).toBe('pending');
    expect(account.profile).toEqual({ hasDirectReports: true, birthYear: 1980, gender: 'female', language: 'de' });
    const consents = await em.find(AccountConsent, { account: account.id }, { orderBy: { consentId: 'desc' } });
    expect(consents.map((consent) => [consent.consentId, consent.version, consent.granted])).toEqual([
      ['terms', '2024-05', true],
      ['data-use', '2024-05', false],
    ]);
    for (const consent of consents) {
      expect(consent.decidedAt).toBeInstanceOf(Date);
      expect(Math.abs(consent.decidedAt.getTime() - started)).toBeLessThan(60_000);
    }
  });

  it('keeps the profile answers when going back from the review', async () => {
    const agent = new BrowserAgent(kontor.url);
    const step2 = await agent.follow(await postAccountStep(agent, await openAccountStep(agent, config), accountFields(newRegistrant())));
    const form = formEndingWith(step2.body, '/register/profile');
    const review = await agent.follow(
      await agent.post(form.action, { ...form.fields, hasDirectReports: 'no', birthYear: '1975', gender: 'none', language: 'en' }),
    );
    const backUrl = /<a class="button secondary" href="([^"]+)">Zurück<\/a>/.exec(review.body)?.[1];
    expect(backUrl).toMatch(/\/register\/profile$/);
    const back = await agent.get(backUrl!);
    expect(back.status).toBe(200);
    expect(inputValue(back, 'profile-birthYear')).toBe('1975');
    expect(back.body).toMatch(/<input type="radio" id="profile-hasDirectReports-no" name="hasDirectReports" value="no" checked>/);
    expect(back.body).toMatch(/<option value="none" selected>keine Angabe<\/option>/);
    expect(back.body).toMatch(/<option value="en" selected>Englisch<\/option>/);
  });
});
