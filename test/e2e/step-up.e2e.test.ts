/**
 * Browser end-to-end test of step-up with enrolment (issue 15): a citizen logs in to the demo portal at
 * niedrig, opens its "Dienst mit Vertrauensniveau substanziell", is asked by Kontor for the missing step
 * only, sets up an authenticator app in the browser (the secret read from the page, the code computed
 * here), sees the recovery codes and is back at the portal at substanziell. In German and in English;
 * every Kontor page on the way must pass axe-core (WCAG 2.1 A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, Page } from 'playwright-core';
import { generate } from 'otplib';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';
import { startDemoPortal, type RunningDemoPortal } from '../helpers/demo-portal.ts';

const STEP_TIMEOUT_MS = 15_000;
const PASSWORD = 'Musterstadt-E2E-2026';

let kontor: TestKontor;
let portal: RunningDemoPortal;
let portalUrl: string;
let browser: Browser;

/** The words of each language the journey clicks on. */
const WORDS = {
  de: {
    login: 'Anmelden',
    consent: 'Zustimmen und fortfahren',
    totp: 'Authentifizierungs-App einrichten',
    confirm: 'Bestätigen',
    continue: 'Weiter',
    requirement: 'Dieser Dienst verlangt das Vertrauensniveau substanziell.',
  },
  en: {
    login: 'Log in',
    consent: 'Agree and continue',
    totp: 'Set up an authenticator app',
    confirm: 'Confirm',
    continue: 'Continue',
    requirement: 'This service requires the trust level substanziell (‘substantial’).',
  },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS });

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname.includes(path);
const onPortal = (path: string) => (url: URL) => url.origin === portalUrl && url.pathname === path;

/** Clicks a button that may lead to the consent page (the first visit of the portal) and agrees there if so. */
async function throughConsent(page: Page, lang: 'de' | 'en', target: string): Promise<void> {
  const consent = page.getByRole('button', { name: WORDS[lang].consent });
  await Promise.race([page.waitForURL(onPortal(target)), consent.waitFor()]);
  if (!onPortal(target)(new URL(page.url()))) {
    await consent.click();
    await page.waitForURL(onPortal(target));
  }
}

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

describe.each(['de', 'en'] as const)('step-up with enrolment from the demo portal (%s)', (lang) => {
  test('niedrig with the password, then the substanziell service: enrol an app, recovery codes, back at substanziell', async () => {
    const words = WORDS[lang];
    const email = `erika.stepup.${lang}@example.org`;
    await kontor.container.accounts.createVerified({ email, password: PASSWORD, givenName: 'Erika', familyName: 'Mustermann' }, (em, accountId, password) =>
      kontor.container.passwords.setPassword(em, accountId, password),
    );
    const query = lang === 'en' ? '?lang=en' : '';
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      // Logged in at niedrig on the portal's ordinary button.
      await page.goto(`${portalUrl}/login${query}`);
      await page.waitForURL(onKontor('/interaction/'));
      await page.locator('#username').fill(email);
      await page.locator('#password').fill(PASSWORD);
      await page.getByRole('button', { name: words.login, exact: true }).click();
      await throughConsent(page, lang, '/');
      expect(await page.locator('#trust-level').textContent()).toBe('niedrig (Passwort)');

      // The substanziell service: Kontor asks for the missing step only (no password), and there is none yet.
      await page.goto(`${portalUrl}/substanziell${query}`);
      await page.getByRole('link', { name: 'Mit Vertrauensniveau substanziell anmelden' }).click();
      await page.waitForURL(onKontor('/interaction/'));
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await page.locator('#password').count()).toBe(0);
      expect(await page.locator('#enrol-requirement').textContent()).toBe(words.requirement);
      await expectAccessible(page, `${lang}-enrol-01-choice`);

      // The authenticator app: the QR code has a name, the secret is on the page as text.
      await page.getByRole('link', { name: words.totp }).click();
      await page.waitForURL(onKontor('/enrol/totp'));
      expect(await page.locator('.qr-code svg').count()).toBe(1);
      expect(await page.locator('.qr-code').getAttribute('aria-label')).toBeTruthy();
      await expectAccessible(page, `${lang}-enrol-02-totp`);
      const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s+/g, '');
      const code = await generate({ secret, epoch: Math.floor(kontor.clock.now().getTime() / 1000), algorithm: 'sha1', digits: 6, period: 30 });
      await page.locator('#code').fill(code);
      await page.getByRole('button', { name: words.confirm }).click();

      // Ten recovery codes, once.
      await page.locator('#recovery-codes').waitFor();
      expect(await page.locator('#recovery-codes li').count()).toBe(10);
      await expectAccessible(page, `${lang}-enrol-03-recovery-codes`);
      await page.getByRole('button', { name: words.continue, exact: true }).click();

      // Back at the service, now at substanziell with password and one-time password.
      await throughConsent(page, lang, '/substanziell');
      await page.locator('#service-open').waitFor();
      expect(await page.locator('#acr').textContent()).toBe('http://bsi.bund.de/eID/LoA/substantiell');
      expect(await page.locator('#amr').textContent()).toBe('pwd, otp, mfa');
    } finally {
      await context.close();
    }
  });
});
