/**
 * Browser end-to-end test of "Zweistufige Verifizierung" and "Passwort ändern" in Mein Bereich (issue 17
 * items 5 and 6): a citizen with an authenticator app logs in (password, app code), opens the second
 * factor's overview, links a new device from its QR page (the code computed from the key the page shows),
 * switches to e-mail codes with the code from the mail, makes new recovery codes, removes the factor, and
 * meets the password page's error summary; in German and English. Every page passes axe-core (WCAG 2.1
 * A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';
import { createUser } from '../helpers/relying-party.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { enrolTotp, nextTotpStep, totpAt } from '../helpers/step-up.ts';

const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let smtp: SmtpSink;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    overview: 'Zweistufige Verifizierung',
    device: 'Neue Verknüpfung mit Mobilgerät herstellen',
    deviceHeading: 'Neues Mobilgerät verknüpfen',
    confirm: 'Bestätigen',
    deviceDone: 'Ihr neues Mobilgerät ist verknüpft',
    toEmail: 'Auf Einmal-Passwort per E-Mail wechseln',
    send: 'Einmal-Passwort senden',
    emailDone: 'Ihr zweiter Faktor sind jetzt Einmal-Passwörter per E-Mail.',
    codes: 'Neue Wiederherstellungscodes erstellen',
    createCodes: 'Neue Codes erstellen',
    finish: 'Fertig',
    remove: 'Zweiten Faktor entfernen',
    removeConfirm: 'Zweiten Faktor und Wiederherstellungscodes entfernen',
    removed: 'Ihr zweiter Faktor und die Wiederherstellungscodes wurden entfernt.',
    changePassword: 'Passwort ändern',
  },
  en: {
    login: 'Log in',
    overview: 'Two-step verification',
    device: 'Link a new mobile device',
    deviceHeading: 'Link a new mobile device',
    confirm: 'Confirm',
    deviceDone: 'Your new mobile device is linked',
    toEmail: 'Switch to one-time passwords by e-mail',
    send: 'Send one-time password',
    emailDone: 'Your second factor is now one-time passwords by e-mail.',
    codes: 'Create new recovery codes',
    createCodes: 'Create new codes',
    finish: 'Done',
    remove: 'Remove the second factor',
    removeConfirm: 'Remove the second factor and the recovery codes',
    removed: 'Your second factor and the recovery codes have been removed.',
    changePassword: 'Change password',
  },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS, height: 900 });

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname === path;

beforeAll(async () => {
  smtp = await SmtpSink.start();
  kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
  await smtp?.stop();
});

describe.each(['de', 'en'] as const)('second factor and password in Mein Bereich (%s)', (lang) => {
  test('new device, switch to e-mail codes, new recovery codes, removal; the password page', async () => {
    const words = WORDS[lang];
    const user = await createUser(kontor);
    const { secret } = await enrolTotp(kontor, user);
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await page.goto(`${kontor.url}/account/second-factor${lang === 'en' ? '?lang=en' : ''}`);
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      await page.locator('#username').fill(user.email);
      await page.locator('#password').fill(user.password);
      await page.getByRole('button', { name: words.login, exact: true }).click();
      await page.locator('#totp-code').fill(await totpAt(kontor, secret));
      await page.locator('form:has(#totp-code) button[type="submit"]').click();

      await page.waitForURL(onKontor('/account/second-factor'));
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await page.getByRole('heading', { level: 1, name: words.overview }).waitFor();
      await expectAccessible(page, `${lang}-second-factor-01-overview`);

      // A new device: the QR code page; the key shown as text is what the "new phone" computes codes from.
      await page.getByRole('link', { name: words.device }).click();
      await page.waitForURL(onKontor('/account/second-factor/app'));
      await page.getByRole('heading', { level: 1, name: words.deviceHeading }).waitFor();
      expect(await page.locator('.qr-code svg').count()).toBe(1);
      await expectAccessible(page, `${lang}-second-factor-02-new-device`);
      const fresh = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s+/g, '');
      nextTotpStep(kontor);
      await page.locator('#code').fill(await totpAt(kontor, fresh));
      await page.getByRole('button', { name: words.confirm }).click();
      await page.waitForURL(onKontor('/account'));
      await page.getByText(words.deviceDone).waitFor();

      // Switch to e-mail codes: the code from the mail.
      await page.goto(`${kontor.url}/account/second-factor`);
      await page.getByRole('link', { name: words.toEmail }).click();
      await page.waitForURL(onKontor('/account/second-factor/email'));
      await expectAccessible(page, `${lang}-second-factor-03-email`);
      const mailsBefore = smtp.to(user.email).length;
      await page.getByRole('button', { name: words.send }).click();
      await page.locator('#code').waitFor();
      const mail = (await smtp.waitFor(user.email, mailsBefore + 1))[mailsBefore]!;
      await page.locator('#code').fill('000000' === /\b(\d{6})\b/.exec(mail.text)?.[1] ? '111111' : '000000');
      await page.getByRole('button', { name: words.confirm }).click();
      await page.locator('.error-summary').waitFor();
      expect(await page.evaluate(() => document.activeElement?.closest('.error-summary') !== null)).toBe(true);
      await expectAccessible(page, `${lang}-second-factor-04-email-code-wrong`);
      await page.locator('#code').fill(/\b(\d{6})\b/.exec(mail.text)?.[1] ?? '');
      await page.getByRole('button', { name: words.confirm }).click();
      await page.waitForURL(onKontor('/account'));
      await page.getByText(words.emailDone).waitFor();

      // New recovery codes, shown once.
      await page.goto(`${kontor.url}/account/second-factor/recovery-codes`);
      await expectAccessible(page, `${lang}-second-factor-05-recovery-codes`);
      await page.getByRole('button', { name: words.createCodes }).click();
      expect(await page.locator('#recovery-codes li').count()).toBe(10);
      await expectAccessible(page, `${lang}-second-factor-06-recovery-codes-new`);
      await page.getByRole('link', { name: words.finish }).click();
      await page.waitForURL(onKontor('/account/second-factor'));

      // Remove it.
      await page.getByRole('link', { name: words.remove }).click();
      await page.waitForURL(onKontor('/account/second-factor/remove'));
      await expectAccessible(page, `${lang}-second-factor-07-remove`);
      await page.getByRole('button', { name: words.removeConfirm }).click();
      await page.waitForURL(onKontor('/account'));
      await page.getByText(words.removed).waitFor();
      expect(await kontor.container.secondFactors.factorsOf(user.accountId)).toEqual({ totp: false, emailCode: false, recoveryCodesLeft: 0 });

      // The password page, with a wrong current password: the error summary names the field.
      await page.goto(`${kontor.url}/account/password`);
      await page.getByRole('heading', { level: 1, name: words.changePassword }).waitFor();
      await expectAccessible(page, `${lang}-password-01-form`);
      await page.locator('#currentPassword').fill('Nicht-das-Passwort-1');
      await page.locator('#password').fill('Neues-Kennwort-2026!');
      await page.locator('#passwordConfirmation').fill('Neues-Kennwort-2026!');
      await page.locator('form[action="/account/password"] button[type="submit"]').click();
      await page.locator('.error-summary a[href="#currentPassword"]').waitFor();
      expect(await page.locator('#currentPassword').inputValue()).toBe('');
      await expectAccessible(page, `${lang}-password-02-wrong-current`);
    } finally {
      await context.close();
    }
  });
});
