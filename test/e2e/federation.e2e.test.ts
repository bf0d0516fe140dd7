/**
 * Browser end-to-end test of the login with another state's service account (issue 18): from the demo
 * portal to Kontor's login page, "Mit anderem Servicekonto", the chooser, the upstream (an example OpenID
 * provider in its own process) with its login and consent, Kontor's first-arrival page and consent, and
 * back at the portal logged in. In German and in English; every Kontor page on the way must pass axe-core
 * (WCAG 2.1 A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, Page } from 'playwright-core';
import { expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { startDemoPortal, type RunningDemoPortal } from '../helpers/demo-portal.ts';
import { EIDAS, startFederation, type FederationSetup } from '../helpers/federation.ts';

const STEP_TIMEOUT_MS = 15_000;

const person = (username: string, givenName: string) => ({
  username,
  password: `${username}-Pass-1`,
  sub: `sub-${username}`,
  acr: EIDAS.substantial,
  amr: ['pwd', 'otp'],
  claims: { given_name: givenName, family_name: 'Nord', email: `${username}@example.org`, email_verified: true },
});
const PEOPLE = { de: person('greta', 'Greta'), en: person('grace', 'Grace') };

const WORDS = {
  de: {
    other: 'Mit anderem Servicekonto anmelden',
    state: 'Servicekonto Testland',
    login: 'Anmelden',
    create: 'Konto anlegen und fortfahren',
    consent: 'Zustimmen und fortfahren',
  },
  en: {
    other: 'Log in with another service account',
    state: 'Testland service account',
    login: 'Log in',
    create: 'Create account and continue',
    consent: 'Agree and continue',
  },
} as const;

let setup: FederationSetup;
let portal: RunningDemoPortal;
let browser: Browser;

beforeAll(async () => {
  setup = await startFederation([PEOPLE.de, PEOPLE.en]);
  portal = await startDemoPortal(setup.kontor);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await setup?.stop();
});

const onKontor = (path: string) => (url: URL) => url.origin === setup.issuer && url.pathname.includes(path);

describe.each(['de', 'en'] as const)('login with another service account from the demo portal (%s)', (lang) => {
  test('chooser, the upstream login, the first arrival and back at the portal', async () => {
    const words = WORDS[lang];
    const context = await browser.newContext({ locale: lang === 'de' ? 'de-DE' : 'en-GB', viewport: { width: 1024, height: 768 } });
    const page: Page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    try {
      await page.goto(`${portal.url}/login${lang === 'en' ? '?lang=en' : ''}`);
      await page.waitForURL(onKontor('/interaction/'));
      await expectAccessible(page, `${lang}-federation-01-login`);
      await page.getByRole('link', { name: words.other }).click();

      // The chooser: a list of states as radio buttons in a fieldset, and the answer to "why is mine missing?".
      await page.waitForURL(onKontor('/federation'));
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await expectAccessible(page, `${lang}-federation-02-chooser`);
      // Submitting without a choice names the missing choice in the error summary.
      await page.getByRole('button', { name: words.login, exact: true }).click();
      await page.locator('.error-summary').waitFor();
      await expectAccessible(page, `${lang}-federation-03-chooser-error`);
      await page.getByLabel(words.state).check();
      await page.getByRole('button', { name: words.login, exact: true }).click();

      // At the upstream (another origin, its own pages).
      await page.waitForURL((url) => url.origin === setup.upstream.issuer);
      await page.locator('#username').fill(PEOPLE[lang].username);
      await page.locator('#password').fill(PEOPLE[lang].password);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.getByRole('button', { name: 'Zustimmen' }).click();

      // Back at Kontor: what was received, the terms, then Kontor's own consent for the portal.
      await page.waitForURL(onKontor('/federation/return'));
      expect(await page.locator('dl.review').textContent()).toContain(`${PEOPLE[lang].username}@example.org`);
      await expectAccessible(page, `${lang}-federation-04-welcome`);
      await page.locator('#consent-privacy').check();
      await page.getByRole('button', { name: words.create }).click();
      await page.getByRole('button', { name: words.consent }).waitFor();
      await expectAccessible(page, `${lang}-federation-05-consent`);
      await page.getByRole('button', { name: words.consent }).click();

      await page.waitForURL((url) => url.origin === portal.url && url.pathname === '/');
      expect(await page.locator('#trust-level').textContent()).toContain('substanziell');
    } finally {
      await context.close();
    }
  });
});
