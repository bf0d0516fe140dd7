/**
 * Browser end-to-end test of locking and of "my data" (issue 17 items 8 and 10): a citizen downloads their
 * data from "Mein Bereich", locks the account (the consequences page, then the "locked" page), is refused
 * at the login with the right password (the locked page with the way to unlock), unlocks through the mailed
 * link's button and logs in again; in German and English. Every page passes axe-core (WCAG 2.1 A/AA);
 * screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { configFile, ROOMY_RATE_LIMITS } from '../helpers/config-file.ts';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { createUser, type TestUser } from '../helpers/relying-party.ts';

const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let smtp: SmtpSink;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    heading: 'Mein Bereich',
    exportTile: 'Meine Daten herunterladen',
    download: 'Daten herunterladen (JSON)',
    lockTile: 'Konto sperren',
    lockHeading: 'Konto sperren',
    confirm: 'Konto jetzt sperren',
    locked: 'Ihr Konto ist gesperrt',
    loginLocked: 'Dieses Konto ist gesperrt',
    unlockHeading: 'Konto entsperren',
    unlock: 'Konto entsperren',
    unlocked: 'Ihr Konto ist entsperrt',
    lockedMail: 'Ihr Servicekonto ist gesperrt',
  },
  en: {
    login: 'Log in',
    heading: 'My account',
    exportTile: 'Download my data',
    download: 'Download data (JSON)',
    lockTile: 'Lock account',
    lockHeading: 'Lock your account',
    confirm: 'Lock account now',
    locked: 'Your account is locked',
    loginLocked: 'This account is locked',
    unlockHeading: 'Unlock your account',
    unlock: 'Unlock account',
    unlocked: 'Your account is unlocked',
    lockedMail: 'Your service account is locked',
  },
} as const;

async function newPage(locale: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale, viewport: { width: 1024, height: 768 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return { context, page };
}

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname === path;

async function logIn(page: Page, user: TestUser, login: string): Promise<void> {
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await page.locator('#username').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: login, exact: true }).click();
}

beforeAll(async () => {
  smtp = await SmtpSink.start();
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false', SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
  await smtp?.stop();
});

describe.each(['de', 'en'] as const)('lock and my data (%s)', (lang) => {
  test('download my data, lock, refused login, unlock by the mailed link, login again', async () => {
    const words = WORDS[lang];
    const user = await createUser(kontor);
    if (lang === 'en') await kontor.container.db.orm.em.fork().execute(`update account set locale = 'en' where id = ?`, [user.accountId]);
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await page.goto(`${kontor.url}/account${lang === 'en' ? '?lang=en' : ''}`);
      await logIn(page, user, words.login);
      await page.waitForURL(onKontor('/account'));
      await page.getByRole('heading', { level: 1, name: words.heading }).waitFor();

      await page.getByRole('link', { name: words.exportTile }).click();
      await page.waitForURL(onKontor('/account/export'));
      await page.getByRole('heading', { level: 1, name: words.exportTile }).waitFor();
      await expectAccessible(page, `${lang}-lock-01-export`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: words.download }).click()]);
      expect(download.suggestedFilename()).toMatch(/^kontor-daten-\d{4}-\d{2}-\d{2}\.json$/);

      await page.goto(`${kontor.url}/account`);
      await page.getByRole('link', { name: words.lockTile }).click();
      await page.waitForURL(onKontor('/account/lock'));
      await page.getByRole('heading', { level: 1, name: words.lockHeading }).waitFor();
      await expectAccessible(page, `${lang}-lock-02-consequences`);
      const mailsBefore = smtp.to(user.email).length;
      await page.getByRole('button', { name: words.confirm }).click();
      await page.waitForURL(onKontor('/account/locked'));
      await page.getByRole('heading', { level: 1, name: words.locked }).waitFor();
      await expectAccessible(page, `${lang}-lock-03-locked`);

      // The right password: the locked page, with the way to unlock.
      await page.goto(`${kontor.url}/account`);
      await logIn(page, user, words.login);
      await page.getByRole('heading', { level: 1, name: words.loginLocked }).waitFor();
      await expectAccessible(page, `${lang}-lock-04-login-locked`);

      const mail = (await smtp.waitFor(user.email, mailsBefore + 1)).slice(mailsBefore).find((candidate) => candidate.subject === words.lockedMail);
      const link = SmtpSink.linkIn(mail!, `${kontor.url}/account/unlock?token=`);
      await page.goto(link);
      await page.getByRole('heading', { level: 1, name: words.unlockHeading }).waitFor();
      await expectAccessible(page, `${lang}-lock-05-unlock`);
      await page.getByRole('button', { name: words.unlock }).click();
      await page.getByRole('heading', { level: 1, name: words.unlocked }).waitFor();
      await expectAccessible(page, `${lang}-lock-06-unlocked`);

      await page.goto(`${kontor.url}/account`);
      await logIn(page, user, words.login);
      await page.waitForURL(onKontor('/account'));
      await page.getByRole('heading', { level: 1, name: words.heading }).waitFor();
    } finally {
      await context.close();
    }
  });
});
