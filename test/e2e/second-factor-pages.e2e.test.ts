/**
 * The second-factor step and the level notice in Chromium: every state of the pages (de and en) is
 * screenshotted (test-results/screenshots/) and must pass axe-core's WCAG 2.1 A/AA rules; the error
 * summary takes the focus after a wrong code.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { configFile, ROOMY_RATE_LIMITS } from '../helpers/config-file.ts';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { authorizationRequest, createUser, discover, registerClient, type TestUser } from '../helpers/relying-party.ts';
import { enrolTotp } from '../helpers/step-up.ts';
import { BSI_ACR } from '../../src/trust/index.ts';

const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let browser: Browser;
let config: oidc.Configuration;

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  const client = await registerClient(kontor);
  config = await discover(kontor, client.clientId, client.clientSecret);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

async function newPage(locale: 'de' | 'en'): Promise<Page> {
  const context = await browser.newContext({ locale: locale === 'de' ? 'de-DE' : 'en-GB', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  return page;
}

async function passwordStep(page: Page, user: TestUser, extra: Record<string, string>, locale: 'de' | 'en'): Promise<void> {
  const request = await authorizationRequest(config, { ui_locales: locale, ...extra });
  await page.goto(request.url.href);
  await page.locator('#username').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.locator('form[action$="/login"] button[type="submit"]').click();
}

describe.each(['de', 'en'] as const)('second-factor pages in %s (Chromium + axe)', (locale) => {
  test('the app-code step with the level asked, then a wrong code with the error summary focused', async () => {
    const user = await createUser(kontor);
    await enrolTotp(kontor, user);
    const page = await newPage(locale);
    try {
      await passwordStep(page, user, { acr_values: BSI_ACR.substanziell }, locale);
      await page.locator('#totp-code').waitFor();
      expect(await page.locator('#level-required').textContent()).toContain(locale === 'de' ? 'substanziell' : 'substanziell (‘substantial’)');
      await expectAccessible(page, `second-factor-${locale}`);
      await page.locator('#totp-code').fill('000000');
      await page.locator('form:has(#totp-code) button[type="submit"]').click();
      await page.locator('.error-summary').waitFor();
      expect(await page.evaluate(() => document.activeElement?.classList.contains('error-summary'))).toBe(true);
      expect(await page.locator('#totp-code').getAttribute('aria-invalid')).toBe('true');
      await expectAccessible(page, `second-factor-failed-${locale}`);
      await page.locator('details summary').click();
      await expectAccessible(page, `second-factor-recovery-${locale}`);
    } finally {
      await page.context().close();
    }
  });

  test('the level notice: essential (one button back) and voluntary (go on or cancel)', async () => {
    const page = await newPage(locale);
    try {
      const essential = await authorizationRequest(config, {
        ui_locales: locale,
        claims: JSON.stringify({ id_token: { acr: { essential: true, value: BSI_ACR.hoch } } }),
      });
      await page.goto(essential.url.href);
      await page.locator('#level-notice').waitFor();
      await page.locator('form[action$="/refuse"] button').waitFor({ state: 'visible' });
      await expectAccessible(page, `level-essential-${locale}`);
      const voluntary = await authorizationRequest(config, { ui_locales: locale, acr_values: BSI_ACR.hoch });
      await page.goto(voluntary.url.href);
      await page.locator('form[action$="/continue-below"] button').waitFor();
      await expectAccessible(page, `level-voluntary-${locale}`);
    } finally {
      await page.context().close();
    }
  });
});
