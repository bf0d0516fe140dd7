/**
 * Browser end-to-end test of "Mein Bereich" (issue 17): a citizen opens /account, logs in on Kontor's login
 * page (no consent page: Kontor's own client), sees the dashboard with its tiles and the active sessions
 * (this browser marked, another browser's session listed and ended), in German and English; the English
 * run uses the keyboard only. Every page passes axe-core (WCAG 2.1 A/AA); screenshots in
 * test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, Page } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';
import { BrowserAgent } from '../helpers/browser-agent.ts';
import { createUser } from '../helpers/relying-party.ts';
import { openAccountArea } from '../helpers/account-area.ts';

const STEP_TIMEOUT_MS = 15_000;
const OTHER_BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

let kontor: TestKontor;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    heading: 'Mein Bereich',
    tile: 'Aktive Sitzungen',
    sessions: 'Aktive Sitzungen',
    thisDevice: 'dieses Gerät',
    other: 'Chrome unter Windows',
    endOthers: 'Alle anderen Sitzungen beenden',
    endedOthers: 'Alle anderen Sitzungen sind beendet.',
    back: 'Zurück zu „Mein Bereich“',
    logout: 'Abmelden',
    loggedOut: 'Sie sind abgemeldet',
  },
  en: {
    login: 'Log in',
    heading: 'My account',
    tile: 'Active sessions',
    sessions: 'Active sessions',
    thisDevice: 'this device',
    other: 'Chrome on Windows',
    endOthers: 'End all other sessions',
    endedOthers: 'All other sessions have ended.',
    back: 'Back to “My account”',
    logout: 'Log out',
    loggedOut: 'You are logged out',
  },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS });

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname === path;

/** Tabs forward until the element has the focus (keyboard only); fails after `limit` presses. */
async function tabTo(page: Page, target: ReturnType<Page['getByRole']>, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error('element not reached by Tab');
}

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe.each(['de', 'en'] as const)('Mein Bereich (%s)', (lang) => {
  test('login, dashboard, active sessions: another session ended, logout', async () => {
    const words = WORDS[lang];
    const keyboard = lang === 'en';
    const user = await createUser(kontor);
    // The same person in another browser, to have a second session to end.
    await openAccountArea(kontor, user, new BrowserAgent(kontor.url, { userAgent: OTHER_BROWSER }));
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await page.goto(`${kontor.url}/account${lang === 'en' ? '?lang=en' : ''}`);
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await expectAccessible(page, `${lang}-account-01-login`);
      await page.locator('#username').fill(user.email);
      await page.locator('#password').fill(user.password);
      if (keyboard) await page.keyboard.press('Enter');
      else await page.getByRole('button', { name: words.login, exact: true }).click();

      await page.waitForURL(onKontor('/account'));
      await page.getByRole('heading', { level: 1, name: words.heading }).waitFor();
      expect(await page.locator('.account-tiles li').count()).toBe(10);
      expect(await page.getByText(user.email).count()).toBe(1);
      await expectAccessible(page, `${lang}-account-02-dashboard`);

      const tile = page.getByRole('link', { name: words.tile });
      if (keyboard) {
        await tabTo(page, tile);
        await page.keyboard.press('Enter');
      } else await tile.click();
      await page.waitForURL(onKontor('/account/sessions'));
      await page.getByRole('heading', { level: 1, name: words.sessions }).waitFor();
      expect(await page.locator('.session-list > li').count()).toBe(2);
      expect(await page.locator('.this-device').textContent()).toBe(`(${words.thisDevice})`);
      await page.getByRole('heading', { level: 2, name: words.other }).waitFor();
      await expectAccessible(page, `${lang}-account-03-sessions`);

      const endOthers = page.getByRole('button', { name: words.endOthers });
      if (keyboard) {
        await endOthers.focus();
        await page.keyboard.press('Enter');
      } else await endOthers.click();
      await page.getByText(words.endedOthers).waitFor();
      expect(await page.locator('.session-list > li').count()).toBe(1);
      await expectAccessible(page, `${lang}-account-04-sessions-ended`);

      await page.getByRole('link', { name: words.back }).click();
      await page.waitForURL(onKontor('/account'));
      await page.getByRole('button', { name: words.logout }).click();
      await page.waitForURL(onKontor('/account/logged-out'));
      await page.getByRole('heading', { level: 1, name: words.loggedOut }).waitFor();
      await expectAccessible(page, `${lang}-account-05-logged-out`);
    } finally {
      await context.close();
    }
  });
});
