/**
 * Browser end-to-end test of deleting one's account (issue 17 item 9, seed 001 "Benutzerkonto löschen"): the
 * citizen opens "Konto löschen" in "Mein Bereich", logs in (the change needs a fresh login), reads what is
 * deleted and what remains, submits without ticking the confirmation (error summary naming the checkbox),
 * ticks it and deletes; the public "Ihr Konto wurde gelöscht" page follows. In German and in English; every
 * page on the way must pass axe-core (WCAG 2.1 A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';

const STEP_TIMEOUT_MS = 15_000;
const PASSWORD = 'Musterstadt-E2E-2026';

let kontor: TestKontor;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    heading: 'Konto löschen',
    kept: 'Was bleibt',
    confirm: 'Ich möchte mein Konto endgültig löschen',
    submit: 'Konto endgültig löschen',
    error: 'Bestätigen Sie, dass Sie Ihr Konto endgültig löschen möchten.',
    done: 'Ihr Konto wurde gelöscht',
  },
  en: {
    login: 'Log in',
    heading: 'Delete account',
    kept: 'What remains',
    confirm: 'I want to delete my account permanently',
    submit: 'Delete account permanently',
    error: 'Confirm that you want to delete your account permanently.',
    done: 'Your account has been deleted',
  },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS });

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname.includes(path);

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe.each(['de', 'en'] as const)('Konto löschen (%s)', (lang) => {
  test('fresh login, the explanation, the unticked confirmation refused, then deleted for good', async () => {
    const words = WORDS[lang];
    const email = `erika.delete.${lang}@example.org`;
    const account = await kontor.container.accounts.createVerified(
      { email, password: PASSWORD, givenName: 'Erika', familyName: 'Mustermann' },
      (em, accountId, password) => kontor.container.passwords.setPassword(em, accountId, password),
    );
    const query = lang === 'en' ? '?lang=en' : '';
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await page.goto(`${kontor.url}/account/delete${query}`);
      await page.waitForURL(onKontor('/interaction/'));
      await page.locator('#username').fill(email);
      await page.locator('#password').fill(PASSWORD);
      await page.getByRole('button', { name: words.login, exact: true }).click();
      await page.waitForURL(onKontor('/account/delete'));
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await page.getByRole('heading', { level: 1, name: words.heading }).waitFor();
      await page.getByRole('heading', { level: 2, name: words.kept }).waitFor();
      await expectAccessible(page, `${lang}-delete-01-page`);

      // Without the tick: the error summary names the checkbox and links to it; nothing is deleted.
      await page.getByRole('button', { name: words.submit }).click();
      await page.locator('.error-summary').getByRole('link', { name: words.error }).waitFor();
      expect(await page.title()).toMatch(/^(Fehler|Error): /);
      expect(await kontor.container.accounts.findById(account.id)).not.toBeNull();
      await expectAccessible(page, `${lang}-delete-02-unconfirmed`);

      await page.getByLabel(words.confirm).check();
      await page.getByRole('button', { name: words.submit }).click();
      await page.waitForURL(onKontor('/account/deleted'));
      await page.getByRole('heading', { level: 1, name: words.done }).waitFor();
      expect(await kontor.container.accounts.findById(account.id)).toBeNull();
      await expectAccessible(page, `${lang}-delete-03-deleted`);

      // The area's session went with the account: /account asks for a login again.
      await page.goto(`${kontor.url}/account`);
      await page.waitForURL(onKontor('/interaction/'));
    } finally {
      await context.close();
    }
  });
});
