/**
 * Browser test of the consent screen (issue 16): a citizen logs in, sees the portal and each claim with its
 * value and trust level, unticks an optional claim with the keyboard only (Tab to the checkbox, Space) and
 * agrees; the portal's tokens then lack that claim. Also the page for an essential claim that cannot be
 * sent. In German and English; every page must pass axe-core (WCAG 2.1 A/AA); screenshots in
 * test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { authorizationRequest, createUser, discover, registerClient, REDIRECT_URI, type TestUser } from '../helpers/relying-party.ts';
import { redeem } from '../helpers/consent.ts';

const WORDS = {
  de: {
    login: 'Anmelden',
    accept: 'Zustimmen und fortfahren',
    familyName: 'Familienname',
    back: 'Zurück zu „Elterngeld digital“',
    missing: 'nicht hinterlegt',
  },
  en: { login: 'Log in', accept: 'Agree and continue', familyName: 'Family name', back: 'Back to “Elterngeld digital”', missing: 'not stored' },
} as const;

let kontor: TestKontor;
let browser: Browser;
let user: TestUser;
let config: oidc.Configuration;

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  user = await createUser(kontor);
  const client = await registerClient(kontor, {
    name: 'Elterngeld digital',
    organisation: 'Landesamt für Familie',
    address: 'Musterweg 5\n12345 Musterstadt',
    purpose: 'Antrag auf Elterngeld',
    policyUri: 'https://elterngeld.example.org/datenschutz',
  });
  config = await discover(kontor, client.clientId, client.clientSecret);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

/** A page whose requests to the portal's redirect URI are answered here (nothing listens there). */
async function newPage(locale: 'de' | 'en'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1024, height: 768 } });
  await context.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Portal</title>' }));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function logIn(page: Page, url: URL, lang: 'de' | 'en'): Promise<void> {
  await page.goto(`${url.href}&ui_locales=${lang}`);
  await page.locator('#username').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: WORDS[lang].login, exact: true }).click();
}

describe.each(['de', 'en'] as const)('consent screen (%s)', (lang) => {
  it('shows the values, is accessible, and an optional claim can be unticked by keyboard', async () => {
    const page = await newPage(lang);
    const request = await authorizationRequest(config);
    await logIn(page, request.url, lang);
    const checkbox = page.getByRole('checkbox', { name: WORDS[lang].familyName });
    await checkbox.waitFor();
    expect(await page.locator('#claim-given_name-value').textContent()).toBe('Erika');
    expect(await page.getByRole('table').count()).toBe(1);
    await expectAccessible(page, `consent-${lang}`);

    // Keyboard only: Tab through the page until the family name's checkbox has the focus, then Space.
    for (let presses = 0; presses < 40 && !(await checkbox.evaluate((element) => element === document.activeElement)); presses += 1) {
      await page.keyboard.press('Tab');
    }
    expect(await checkbox.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Space');
    expect(await checkbox.isChecked()).toBe(false);
    await expectAccessible(page, `consent-${lang}-unticked`);

    await page.getByRole('button', { name: WORDS[lang].accept }).click();
    await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));
    const { idToken, userinfo } = await redeem(config, request, new URL(page.url()));
    expect(userinfo.given_name).toBe('Erika');
    expect(userinfo).not.toHaveProperty('family_name');
    expect(idToken).not.toHaveProperty('family_name');
    await page.context().close();
  });

  it('explains an essential claim that cannot be sent and leads back to the portal', async () => {
    const page = await newPage(lang);
    const request = await authorizationRequest(config, { claims: JSON.stringify({ id_token: { birthdate: { essential: true } } }) });
    await logIn(page, request.url, lang);
    const back = page.getByRole('button', { name: WORDS[lang].back });
    await back.waitFor();
    expect(await page.locator('main').textContent()).toContain(WORDS[lang].missing);
    await expectAccessible(page, `consent-unavailable-${lang}`);
    await back.click();
    await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
    await page.context().close();
  });
});
