/**
 * Browser end-to-end test: a citizen creates a Kontor service account from the demo relying portal
 * ("Online-Dienste Musterstadt") in Debian's Chromium, confirms the address with the link from a mail that a
 * real SMTP server inside the test receives, and arrives logged in on the portal; the same in English up to
 * the confirmation mail; and the forgotten-password journey. Every Kontor page on the way is screenshotted
 * (test-results/screenshots/) and must pass axe-core's WCAG 2.1 A/AA rules.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { checkPage, expectAccessible, formatViolations, launchBrowser, type PageCheck } from '../helpers/browser.ts';
import { startDemoPortal, type RunningDemoPortal } from '../helpers/demo-portal.ts';

/** Meets the default (Sachsen-Anhalt) policy: 8–40 characters, two of three groups. */
const PASSWORD = 'Musterstadt-2026';
/** Lower-case letters only: one group of the required two. */
const WEAK_PASSWORD = 'musterstadt';

/** Playwright waits fail well before jest's 60 s test timeout, with a message saying what was awaited. */
const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let smtp: SmtpSink;
let portal: RunningDemoPortal;
let portalUrl: string;
let browser: Browser;
/** axe results of the demo portal's own pages: reported, not asserted (the portal is not part of Kontor). */
const portalChecks: PageCheck[] = [];

async function newPage(locale = 'de-DE'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale, viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return { context, page };
}

const onKontor = (path: string | RegExp) => (url: URL) =>
  url.origin === kontor.url && (typeof path === 'string' ? url.pathname.startsWith(path) : path.test(url.pathname));
const onPortal = (path: string) => (url: URL) => url.origin === portalUrl && url.pathname === path;
const INTERACTION = '/interaction/[^/]+';

/** The portal's start page → its login button → Kontor's login page; screenshots <prefix>-00-portal-start, <prefix>-01-login. */
async function openLoginFromPortal(page: Page, prefix: string): Promise<void> {
  await page.goto(`${portalUrl}/`);
  const loginLink = page.getByRole('link', { name: 'Mit Servicekonto anmelden' });
  await loginLink.waitFor();
  portalChecks.push(await checkPage(page, `${prefix}-00-portal-start`));
  await loginLink.click();
  await page.waitForURL(onKontor(new RegExp(`^${INTERACTION}$`)));
  await page.getByRole('heading', { level: 1 }).waitFor();
  expect(await page.getByText('Online-Dienste Musterstadt', { exact: false }).first().isVisible()).toBe(true);
  await expectAccessible(page, `${prefix}-01-login`);
}

/** The review step's rows as [term, description] pairs, in page order. */
async function reviewRows(page: Page): Promise<string[][]> {
  return page
    .locator('dl.review .review-row')
    .evaluateAll((rows) => rows.map((row) => [row.querySelector('dt')?.textContent?.trim() ?? '', row.querySelector('dd')?.textContent?.trim() ?? '']));
}

beforeAll(async () => {
  smtp = await SmtpSink.start();
  kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url });
  portal = await startDemoPortal(kontor);
  portalUrl = portal.url;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await kontor?.stop();
  await smtp?.stop();
  for (const check of portalChecks) if (check.violations.length) console.warn(`demo portal (not a Kontor page): ${formatViolations(check)}`);
});

describe('registration journey through the demo portal (Chromium, PostgreSQL, SMTP)', () => {
  test('register (after one too-weak password), confirm from the mail, consent, arrive logged in on the portal', async () => {
    const person = { email: 'erika.registration.e2e@example.org', givenName: 'Erika', familyName: 'Mustermann' };
    const { context, page } = await newPage();
    try {
      // Portal → Kontor's login page, in German.
      await openLoginFromPortal(page, 'registration');
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      const loginPath = new URL(page.url()).pathname;

      // "Jetzt registrieren" → step 1 of 2.
      await page.getByRole('link', { name: 'Jetzt registrieren' }).click();
      await page.waitForURL(onKontor(`${loginPath}/register`));
      await page.getByRole('heading', { level: 1, name: 'Servicekonto anlegen' }).waitFor();
      expect(await page.locator('.step').textContent()).toBe('Schritt 1 von 2: Ihre Angaben');
      expect(await page.getByText('„Online-Dienste Musterstadt“', { exact: false }).isVisible()).toBe(true);
      await expectAccessible(page, 'registration-02-account');

      const salutation = page.getByLabel('Anrede');
      const givenName = page.getByRole('textbox', { name: /^Vorname/ });
      const familyName = page.getByRole('textbox', { name: /^Nachname/ });
      const email = page.getByRole('textbox', { name: /^E-Mail-Adresse/ });
      const password = page.getByLabel(/^Passwort \(Pflichtfeld\)$/);
      const confirmation = page.getByLabel(/^Passwort wiederholen/);
      await salutation.selectOption({ label: 'Frau' });
      await givenName.fill(person.givenName);
      await familyName.fill(person.familyName);
      await email.fill(person.email);
      await password.fill(WEAK_PASSWORD);
      await confirmation.fill(WEAK_PASSWORD);
      await page.getByRole('button', { name: 'Weiter', exact: true }).click();

      // Too weak: the same step again, the error summarised at the top, at the field, and the broken rule marked.
      const summary = page.getByRole('alert');
      await summary.waitFor();
      expect(await summary.getByRole('heading', { level: 2 }).textContent()).toBe('Es gibt ein Problem');
      const summaryLinks = summary.getByRole('link');
      expect(await summaryLinks.count()).toBe(1);
      expect(await summaryLinks.first().getAttribute('href')).toBe('#password');
      expect(await summaryLinks.first().textContent()).toBe('Ergänzen Sie Zeichen aus 2 dieser Gruppen: Groß- und Kleinbuchstaben, Ziffern, Sonderzeichen.');
      expect(await password.getAttribute('aria-invalid')).toBe('true');
      expect((await password.getAttribute('aria-describedby'))?.split(' ')).toEqual(['password-hint', 'password-error', 'password-rules']);
      expect(await page.locator('#password-error').textContent()).toContain('Ergänzen Sie Zeichen aus 2 dieser Gruppen');
      expect(await page.locator('#password-rules li.violated').allTextContents()).toEqual([
        expect.stringMatching(/^Zeichen aus mindestens 2 dieser Gruppen: .* \(nicht erfüllt\)$/),
      ]);
      // What was typed is kept, except the passwords.
      expect(await salutation.inputValue()).toBe('ms');
      expect(await givenName.inputValue()).toBe(person.givenName);
      expect(await familyName.inputValue()).toBe(person.familyName);
      expect(await email.inputValue()).toBe(person.email);
      expect(await password.inputValue()).toBe('');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Servicekonto anlegen');
      await expectAccessible(page, 'registration-03-account-error');
      // The summary's link takes the keyboard to the field.
      await summaryLinks.first().click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');

      // A good password → the review step.
      await password.fill(PASSWORD);
      await confirmation.fill(PASSWORD);
      await page.getByRole('button', { name: 'Weiter', exact: true }).click();
      await page.waitForURL(onKontor(`${loginPath}/register/review`));
      await page.getByRole('heading', { level: 1, name: 'Bitte prüfen Sie Ihre Angaben' }).waitFor();
      expect(await page.locator('.step').textContent()).toBe('Schritt 2 von 2: Prüfen und bestätigen');
      expect(await reviewRows(page)).toEqual([
        ['Anrede', 'Frau'],
        ['Vorname', person.givenName],
        ['Nachname', person.familyName],
        ['E-Mail-Adresse', person.email],
        ['Passwort', 'festgelegt (wird nicht angezeigt)'],
      ]);
      expect(await page.content()).not.toContain(PASSWORD);
      const privacy = page.getByRole('checkbox', { name: /Datenschutzerklärung/ });
      expect(await privacy.isChecked()).toBe(false);
      await expectAccessible(page, 'registration-04-review');

      // Consent ticked → "Servicekonto anlegen" → "check your mail".
      await privacy.check();
      await page.getByRole('button', { name: 'Servicekonto anlegen' }).click();
      await page.waitForURL(onKontor(`${loginPath}/register/sent`));
      await page.getByRole('heading', { level: 1, name: 'Bitte bestätigen Sie Ihre E-Mail-Adresse' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain(`Wir haben eine E-Mail an ${person.email} gesendet.`);
      expect(await page.getByText('Der Link ist 24 Stunden gültig').isVisible()).toBe(true);
      await expectAccessible(page, 'registration-05-sent');

      // The confirmation mail, over SMTP.
      const [mail] = await smtp.waitFor(person.email);
      expect(mail!.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
      // Mail to an unconfirmed address greets without the name typed in (anyone can send it to any address).
      expect(mail!.text).toContain('Guten Tag,\n');
      expect(mail!.text).not.toContain(person.familyName);
      const link = SmtpSink.linkIn(mail!, `${kontor.url}/register/confirm?token=`);

      // The link in the same browser → a confirmation button (nothing happens on a mere GET).
      await page.goto(link);
      const confirm = page.getByRole('button', { name: 'E-Mail-Adresse bestätigen' });
      await confirm.waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('E-Mail-Adresse bestätigen');
      await expectAccessible(page, 'registration-06-confirm');

      // Confirmed → the login this browser started resumes: the consent page.
      await confirm.click();
      const accept = page.getByRole('button', { name: 'Zustimmen und fortfahren' });
      await accept.waitFor();
      expect(onKontor('/interaction/')(new URL(page.url()))).toBe(true);
      expect(await page.getByText('„Online-Dienste Musterstadt“ möchte folgende Angaben').isVisible()).toBe(true);
      expect(await page.getByRole('listitem').count()).toBeGreaterThan(0);
      await expectAccessible(page, 'registration-07-consent');

      // → back on the portal, logged in as the new person, with the confirmed address.
      await accept.click();
      await page.waitForURL(onPortal('/'));
      await page.locator('#user-name').waitFor();
      expect(await page.locator('#user-name').textContent()).toBe(`${person.givenName} ${person.familyName}`);
      const userinfo = JSON.parse((await page.locator('#userinfo').textContent()) ?? '{}') as Record<string, unknown>;
      expect(userinfo).toMatchObject({ email: person.email, email_verified: true, given_name: person.givenName, family_name: person.familyName });
      portalChecks.push(await checkPage(page, 'registration-08-portal-logged-in'));
    } finally {
      await context.close();
    }
  });

  test('in an English browser (en-US) the registration pages and the confirmation mail are in English', async () => {
    const person = { email: 'erika.registration.en.e2e@example.org', givenName: 'Erika', familyName: 'Mustermann' };
    const { context, page } = await newPage('en-US');
    try {
      // The demo portal always asks for German (ui_locales=de). A portal that leaves the language to the
      // browser is what this test is about: the portal's own authorization request, without ui_locales.
      const start = await context.request.get(`${portalUrl}/login`, { maxRedirects: 0 });
      expect(start.status()).toBe(302);
      const authorization = new URL(start.headers().location!);
      expect(authorization.origin).toBe(kontor.url);
      authorization.searchParams.delete('ui_locales');
      await page.goto(authorization.href);
      await page.waitForURL(onKontor(new RegExp(`^${INTERACTION}$`)));
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.getByText('Online-Dienste Musterstadt', { exact: false }).first().isVisible()).toBe(true);
      await expectAccessible(page, 'registration-en-01-login');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Log in');

      await page.getByRole('link', { name: 'Register now' }).click();
      await page.getByRole('heading', { level: 1, name: 'Create a service account' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.locator('.step').textContent()).toBe('Step 1 of 2: Your details');
      await expectAccessible(page, 'registration-en-02-account');

      await page.getByLabel('Salutation').selectOption({ label: 'Ms' });
      await page.getByRole('textbox', { name: /^Given name/ }).fill(person.givenName);
      await page.getByRole('textbox', { name: /^Family name/ }).fill(person.familyName);
      await page.getByRole('textbox', { name: /^E-mail address/ }).fill(person.email);
      await page.getByLabel(/^Password \(required\)$/).fill(PASSWORD);
      await page.getByLabel(/^Repeat password/).fill(PASSWORD);
      await page.getByRole('button', { name: 'Continue', exact: true }).click();

      await page.getByRole('heading', { level: 1, name: 'Please review your details' }).waitFor();
      expect(await reviewRows(page)).toEqual([
        ['Salutation', 'Ms'],
        ['Given name', person.givenName],
        ['Family name', person.familyName],
        ['E-mail address', person.email],
        ['Password', 'set (not shown)'],
      ]);
      await expectAccessible(page, 'registration-en-03-review');

      await page.getByRole('checkbox', { name: /privacy statement/ }).check();
      await page.getByRole('button', { name: 'Create service account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Please confirm your e-mail address' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain(`We have sent an e-mail to ${person.email}.`);
      await expectAccessible(page, 'registration-en-04-sent');

      const [mail] = await smtp.waitFor(person.email);
      expect(mail!.subject).toBe('Please confirm your e-mail address');
      expect(mail!.text).toContain('Hello,\n');
      expect(mail!.text).not.toContain(person.familyName);
      SmtpSink.linkIn(mail!, `${kontor.url}/register/confirm?token=`);
    } finally {
      await context.close();
    }
  });

  test('forgotten password: request a link, set a new password from the mail, log in with it on the portal', async () => {
    const person = { email: 'max.reset.e2e@example.org', givenName: 'Max', familyName: 'Mustermann', password: 'Alt-Passwort-2025' };
    const newPassword = 'Neu-Passwort-2026';
    await kontor.container.accounts.createVerified(person, (email, accountId, secret) => kontor.container.passwords.setPassword(email, accountId, secret));
    const { context, page } = await newPage();
    try {
      await openLoginFromPortal(page, 'password-reset');
      const loginPath = new URL(page.url()).pathname;

      // "Passwort vergessen?" → the form, which remembers the login it came from.
      await page.getByRole('link', { name: 'Passwort vergessen?' }).click();
      await page.waitForURL(onKontor('/password/forgot'));
      await page.getByRole('heading', { level: 1, name: 'Passwort vergessen' }).waitFor();
      await expectAccessible(page, 'password-reset-02-forgot');

      await page.getByRole('textbox', { name: /^E-Mail-Adresse/ }).fill(person.email);
      await page.getByRole('button', { name: 'Link anfordern' }).click();
      await page.getByRole('heading', { level: 1, name: 'Bitte sehen Sie in Ihr Postfach' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain('Wenn zu Ihren Angaben ein Servicekonto besteht');
      expect(await page.getByRole('link', { name: 'Zurück zur Anmeldung' }).getAttribute('href')).toBe(loginPath);
      await expectAccessible(page, 'password-reset-03-sent');

      const [mail] = await smtp.waitFor(person.email);
      expect(mail!.subject).toBe('Passwort zurücksetzen');
      const link = SmtpSink.linkIn(mail!, `${kontor.url}/password/reset?token=`);

      // The link → the new-password form.
      await page.goto(link);
      await page.getByRole('heading', { level: 1, name: 'Neues Passwort festlegen' }).waitFor();
      await expectAccessible(page, 'password-reset-04-reset');

      await page.getByLabel(/^Passwort \(Pflichtfeld\)$/).fill(newPassword);
      await page.getByLabel(/^Passwort wiederholen/).fill(newPassword);
      await page.getByRole('button', { name: 'Passwort speichern' }).click();
      await page.getByRole('heading', { level: 1, name: 'Ihr Passwort wurde geändert' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain('Melden Sie sich mit Ihrem neuen Passwort an.');
      await expectAccessible(page, 'password-reset-05-done');

      // A notice about the change arrives too.
      const mails = await smtp.waitFor(person.email, 2);
      expect(mails[1]!.subject).toBe('Ihr Passwort wurde geändert');

      // "Weiter zur Anmeldung" → the same login, now with the new password → consent → the portal.
      await page.getByRole('link', { name: 'Weiter zur Anmeldung' }).click();
      await page.waitForURL(onKontor(loginPath));
      await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
      await expectAccessible(page, 'password-reset-06-login');
      await page.getByLabel('E-Mail-Adresse').fill(person.email);
      await page.getByLabel('Passwort', { exact: true }).fill(newPassword);
      await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
      const accept = page.getByRole('button', { name: 'Zustimmen und fortfahren' });
      await accept.waitFor();
      await expectAccessible(page, 'password-reset-07-consent');
      await accept.click();
      await page.waitForURL(onPortal('/'));
      await page.locator('#user-name').waitFor();
      expect(await page.locator('#user-name').textContent()).toBe(`${person.givenName} ${person.familyName}`);
    } finally {
      await context.close();
    }
  });
});
