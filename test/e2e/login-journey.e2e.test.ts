/**
 * Browser end-to-end test: a citizen logs in to the demo relying portal ("Online-Dienste Musterstadt")
 * with a Kontor service account in Debian's Chromium, and logs out again. Every Kontor page on the way
 * is screenshotted (test-results/screenshots/) and must pass axe-core's WCAG 2.1 A/AA rules.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { checkPage, expectAccessible, formatViolations, launchBrowser, type PageCheck } from '../helpers/browser.ts';
import { startDemoPortal, type RunningDemoPortal } from '../helpers/demo-portal.ts';

const CITIZEN = {
  email: 'erika.e2e@example.org',
  password: 'Musterstadt-E2E-2026',
  givenName: 'Erika',
  familyName: 'Mustermann',
} as const;

/** Playwright waits fail well before jest's 60 s test timeout, with a message saying what was awaited. */
const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let portal: RunningDemoPortal;
let portalUrl: string;
let browser: Browser;
let endSessionEndpoint: string;
/** axe results of the demo portal's own pages: reported, not asserted (the portal is not part of Kontor). */
const portalChecks: PageCheck[] = [];

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return { context, page };
}

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname.startsWith(path);
const onPortal = (path: string) => (url: URL) => url.origin === portalUrl && url.pathname === path;

/** The short way through login and consent (the first test walks it step by step); ends logged in on the portal. */
async function logInThroughPortal(page: Page): Promise<void> {
  await page.goto(`${portalUrl}/login`);
  await page.waitForURL(onKontor('/interaction/'));
  await page.locator('#username').fill(CITIZEN.email);
  await page.locator('#password').fill(CITIZEN.password);
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
  await page.getByRole('button', { name: 'Zustimmen und fortfahren' }).click();
  await page.waitForURL(onPortal('/'));
  await page.locator('#user-name').waitFor();
}

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  await kontor.container.accounts.createVerified(CITIZEN, (email, accountId, password) => kontor.container.passwords.setPassword(email, accountId, password));
  portal = await startDemoPortal(kontor);
  portalUrl = portal.url;
  const discovery = (await (await fetch(`${kontor.url}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
  endSessionEndpoint = discovery.end_session_endpoint;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await kontor?.stop();
  for (const check of portalChecks) if (check.violations.length) console.warn(`demo portal (not a Kontor page): ${formatViolations(check)}`);
});

describe('login journey through the demo portal (Chromium, PostgreSQL)', () => {
  test('log in (after one wrong password), consent, see the name on the portal, log out', async () => {
    const { context, page } = await newPage();
    try {
      // The portal's start page, logged out.
      await page.goto(`${portalUrl}/`);
      const loginLink = page.getByRole('link', { name: 'Mit Servicekonto anmelden' });
      await loginLink.waitFor();
      portalChecks.push(await checkPage(page, 'de-00-portal-start'));

      // → Kontor's login page, in German.
      await loginLink.click();
      await page.waitForURL(onKontor('/interaction/'));
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(await page.getByText('Online-Dienste Musterstadt', { exact: false }).first().isVisible()).toBe(true);
      const loginUrl = page.url();
      await expectAccessible(page, 'de-01-login');

      // A wrong password: the same page again, the error in the focused error summary (an alert).
      await page.getByLabel('E-Mail-Adresse').fill(CITIZEN.email);
      await page.locator('#password').fill('definitely-not-the-password');
      await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Die Anmeldung ist fehlgeschlagen');
      expect(await alert.getAttribute('class')).toBe('error-summary');
      expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
      expect(await page.title()).toMatch(/^Fehler: Anmelden/);
      expect(new URL(page.url()).pathname).toBe(`${new URL(loginUrl).pathname}/login`);
      expect(await page.locator('#username').inputValue()).toBe(CITIZEN.email);
      expect(await page.locator('#password').inputValue()).toBe('');
      await expectAccessible(page, 'de-02-login-failed');

      // The right password → the consent page.
      await page.locator('#password').fill(CITIZEN.password);
      await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
      const accept = page.getByRole('button', { name: 'Zustimmen und fortfahren' });
      await accept.waitFor();
      expect(onKontor('/interaction/')(new URL(page.url()))).toBe(true);
      expect(await page.getByRole('listitem').count()).toBeGreaterThan(0);
      await expectAccessible(page, 'de-03-consent');

      // Accept → back on the portal, logged in with the name and trust level from Kontor.
      await accept.click();
      await page.waitForURL(onPortal('/'));
      await page.locator('#user-name').waitFor();
      expect(await page.locator('#user-name').textContent()).toBe(`${CITIZEN.givenName} ${CITIZEN.familyName}`);
      expect(await page.locator('#trust-level').textContent()).toBe('niedrig (Passwort)');
      const claims = JSON.parse((await page.locator('#id-token-claims').textContent()) ?? '{}') as Record<string, unknown>;
      expect(claims.iss).toBe(kontor.url);
      expect(claims.aud).toBe('demo-portal-e2e');
      expect(claims.acr).toBe('http://bsi.bund.de/eID/LoA/normal');
      portalChecks.push(await checkPage(page, 'de-04-portal-logged-in'));

      // Log out: the portal sends its ID token as id_token_hint, so Kontor does not ask again (issue 14).
      await page.getByRole('button', { name: 'Abmelden', exact: true }).click();
      await page.waitForURL(onPortal('/'));
      await page.getByRole('link', { name: 'Mit Servicekonto anmelden' }).waitFor();
      expect(await page.locator('#user-name').count()).toBe(0);

      // Kontor's session is gone too: logging in again asks for the password, not straight back to the portal.
      await page.getByRole('link', { name: 'Mit Servicekonto anmelden' }).click();
      await page.waitForURL(onKontor('/interaction/'));
      await page.locator('#password').waitFor();
    } finally {
      await context.close();
    }
  });

  test('logging out at Kontor directly: confirmation without a portal, then the logged-out page', async () => {
    const { context, page } = await newPage();
    try {
      await logInThroughPortal(page);

      // Straight to Kontor's end-session endpoint, without id_token_hint or post_logout_redirect_uri.
      await page.goto(endSessionEndpoint);
      const confirm = page.getByRole('button', { name: 'Ja, abmelden' });
      await confirm.waitFor();
      expect(await page.getByText('Möchten Sie sich von Ihrem Servicekonto abmelden?').isVisible()).toBe(true);
      await expectAccessible(page, 'de-06-logout-confirm-direct');

      await confirm.click();
      await page.getByRole('heading', { level: 1, name: 'Sie sind abgemeldet' }).waitFor();
      expect(new URL(page.url()).origin).toBe(kontor.url);
      expect(await page.getByText('Sie wurden erfolgreich abgemeldet.').isVisible()).toBe(true);
      await expectAccessible(page, 'de-07-logged-out');
    } finally {
      await context.close();
    }
  });

  test('with ui_locales=en the login and consent pages are in English and pass axe', async () => {
    const { context, page } = await newPage();
    try {
      // The portal's own authorization request (its session cookie lands in this browser context) …
      const start = await context.request.get(`${portalUrl}/login`, { maxRedirects: 0 });
      expect(start.status()).toBe(302);
      const authorization = new URL(start.headers().location!);
      expect(authorization.origin).toBe(kontor.url);
      // … asking for English instead of German.
      authorization.searchParams.set('ui_locales', 'en');
      await page.goto(authorization.href);
      await page.waitForURL(onKontor('/interaction/'));
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
      expect(await page.getByLabel('E-mail address').isVisible()).toBe(true);
      expect(await page.getByLabel('Password', { exact: true }).isVisible()).toBe(true);
      await expectAccessible(page, 'en-01-login');

      await page.getByLabel('E-mail address').fill(CITIZEN.email);
      await page.getByLabel('Password', { exact: true }).fill(CITIZEN.password);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      const accept = page.getByRole('button', { name: 'Agree and continue' });
      await accept.waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await expectAccessible(page, 'en-02-consent');

      await accept.click();
      await page.waitForURL(onPortal('/'));
      expect(await page.locator('#user-name').textContent()).toBe(`${CITIZEN.givenName} ${CITIZEN.familyName}`);
    } finally {
      await context.close();
    }
  });
});
