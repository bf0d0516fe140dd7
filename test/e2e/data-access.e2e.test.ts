/**
 * Browser end-to-end test of "Datenzugriff verwalten" (issue 16, seed 004): a citizen logs in to the demo
 * portal, follows its link to Kontor's page, sees the releases by service as a table, and withdraws the
 * portal's remembered consent by keyboard. In German and in English; every Kontor page on the way must pass
 * axe-core (WCAG 2.1 A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';
import { startDemoPortal, type RunningDemoPortal } from '../helpers/demo-portal.ts';

const STEP_TIMEOUT_MS = 15_000;
const PASSWORD = 'Musterstadt-E2E-2026';

let kontor: TestKontor;
let portal: RunningDemoPortal;
let portalUrl: string;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    consent: 'Zustimmen und fortfahren',
    heading: 'Datenzugriff verwalten',
    // The demo portal asks for consent every time: what can be ended is the access its tokens still have.
    revoke: 'Zugriff von „Online-Dienste Musterstadt“ beenden',
    revoked: 'Ihre Zustimmung für „Online-Dienste Musterstadt“ ist widerrufen.',
    claim: 'Vorname (Vertrauensniveau: Basisregistrierung (selbst eingegeben))',
  },
  en: {
    login: 'Log in',
    consent: 'Agree and continue',
    heading: 'Manage data access',
    revoke: 'End the access of “Online-Dienste Musterstadt”',
    revoked: 'Your consent for “Online-Dienste Musterstadt” has been withdrawn.',
    claim: 'given_name',
  },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS });

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname.includes(path);
const onPortal = (path: string) => (url: URL) => url.origin === portalUrl && url.pathname === path;

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  portal = await startDemoPortal(kontor);
  portalUrl = portal.url;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await kontor?.stop();
});

describe.each(['de', 'en'] as const)('Datenzugriff verwalten (%s)', (lang) => {
  test('from the demo portal to the ledger page, the releases as a table, the consent withdrawn by keyboard', async () => {
    const words = WORDS[lang];
    const email = `erika.ledger.${lang}@example.org`;
    const account = await kontor.container.accounts.createVerified(
      { email, password: PASSWORD, givenName: 'Erika', familyName: 'Mustermann' },
      (em, accountId, password) => kontor.container.passwords.setPassword(em, accountId, password),
    );
    const query = lang === 'en' ? '?lang=en' : '';
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await page.goto(`${portalUrl}/login${query}`);
      await page.waitForURL(onKontor('/interaction/'));
      await page.locator('#username').fill(email);
      await page.locator('#password').fill(PASSWORD);
      await page.getByRole('button', { name: words.login, exact: true }).click();
      await page.getByRole('button', { name: words.consent }).click();
      await page.waitForURL(onPortal('/'));
      // Releases of another portal as well, so the page shows more than one service.
      await kontor.container.releases.record({
        accountId: account.id,
        clientId: 'wohngeld-portal',
        use: 'userinfo',
        claims: [
          { name: 'given_name', level: 'basisregistrierung' },
          { name: 'email', level: 'niedrig' },
        ],
        at: new Date(),
        purpose: 'Antrag auf Wohngeld',
      });

      await page.getByRole('link', { name: /Datenzugriff verwalten/ }).click();
      await page.waitForURL(onKontor('/account/data-access'));
      if (lang === 'en') await page.goto(`${kontor.url}/account/data-access?lang=en`);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await page.getByRole('heading', { level: 1, name: words.heading }).waitFor();
      expect(await page.locator('table.ledger-table').count()).toBeGreaterThan(0);
      expect(await page.locator('table.ledger-table caption').first().textContent()).toBeTruthy();
      if (lang === 'de') expect(await page.locator('.ledger-claims li').allTextContents()).toContain(words.claim);
      await expectAccessible(page, `${lang}-ledger-01-page`);

      // Keyboard only: focus the withdrawal button and press Enter.
      const revoke = page.getByRole('button', { name: words.revoke });
      await revoke.focus();
      await page.keyboard.press('Enter');
      await page.getByText(words.revoked).waitFor();
      expect(await page.getByRole('button', { name: words.revoke }).count()).toBe(0);
      await expectAccessible(page, `${lang}-ledger-02-revoked`);
    } finally {
      await context.close();
    }
  });
});
