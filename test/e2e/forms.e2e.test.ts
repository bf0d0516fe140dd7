/**
 * Browser test of the forms pattern (GOV.UK error summary, WCAG 3.3.1/3.3.3) in Debian's Chromium, German
 * and English, at 1280 px and 320 px: after a failed submit the title starts with "Fehler: "/"Error: ",
 * focus is on the error summary, each summary link takes focus to its field with the field's label in view
 * (with and without JavaScript), a kept password is said to be kept, and "Passwort anzeigen" shows and hides
 * the password (and is simply absent without JavaScript). Every page is screenshotted (test-results/
 * screenshots/forms-*) and must pass axe-core's WCAG 2.1 A/AA rules.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { configFile, ROOMY_RATE_LIMITS } from '../helpers/config-file.ts';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { authorizationRequest, discover, registerClient } from '../helpers/relying-party.ts';
import { expectAccessible, launchBrowser, SCREENSHOT_DIR } from '../helpers/browser.ts';

const STEP_TIMEOUT_MS = 15_000;

const TEXT = {
  de: {
    errorTitle: /^Fehler: Registrieren – /,
    register: 'Jetzt registrieren',
    givenName: 'Vorname',
    familyName: 'Nachname',
    email: 'E-Mail-Adresse',
    password: 'Passwort',
    confirmation: 'Passwort wiederholen',
    next: 'Weiter',
    givenNameMissing: 'Geben Sie Ihren Vornamen ein.',
    kept: 'Ihr Passwort ist gespeichert.',
    show: 'Passwort anzeigen',
    hide: 'Passwort verbergen',
    login: 'Anmelden',
  },
  en: {
    errorTitle: /^Error: Register – /,
    register: 'Register now',
    givenName: 'Given name',
    familyName: 'Family name',
    email: 'E-mail address',
    password: 'Password',
    confirmation: 'Repeat password',
    next: 'Continue',
    givenNameMissing: 'Enter your given name.',
    kept: 'Your password is saved.',
    show: 'Show password',
    hide: 'Hide password',
    login: 'Log in',
  },
} as const;

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

async function newPage(locale: 'de' | 'en', width: number, javaScriptEnabled = true): Promise<Page> {
  const context = await browser.newContext({
    locale: locale === 'de' ? 'de-DE' : 'en-GB',
    viewport: { width, height: width < 400 ? 640 : 800 },
    javaScriptEnabled,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return page;
}

/** Whether the element is entirely inside the viewport. */
const inViewport = (page: Page, selector: string) =>
  page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });

/** The login page of a fresh authorization request, in the browser's language. */
async function openLogin(page: Page, locale: 'de' | 'en'): Promise<void> {
  await page.goto((await authorizationRequest(config, { ui_locales: locale })).url.href);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** Registration step 1 with the first name left empty and a good password. */
async function submitWithoutGivenName(page: Page, locale: 'de' | 'en'): Promise<void> {
  const text = TEXT[locale];
  await page.getByRole('link', { name: text.register }).click();
  await page.getByLabel(text.familyName).fill('Mustermann');
  await page.getByLabel(text.email, { exact: false }).fill(`forms.${locale}.${Date.now()}@example.org`);
  await page.locator('#password').fill('Musterstadt-2026');
  await page.locator('#passwordConfirmation').fill('Musterstadt-2026');
  await page.getByRole('button', { name: text.next }).click();
  await page.locator('.error-summary').waitFor();
  // kontor.js is deferred: it has run once the page has loaded.
  await page.waitForLoadState('load');
}

describe.each([
  ['de', 1280],
  ['de', 320],
  ['en', 1280],
  ['en', 320],
] as const)('forms in %s at %i px', (locale, width) => {
  const text = TEXT[locale];
  const name = `forms-${locale}-${width}`;

  it('after a failed submit: "Fehler: " title, focus on the summary, its link focuses the field with the label in view, the password kept', async () => {
    const page = await newPage(locale, width);
    await openLogin(page, locale);
    await submitWithoutGivenName(page, locale);

    expect(await page.title()).toMatch(text.errorTitle);
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
    expect(await page.locator('.error-summary a').allTextContents()).toEqual([text.givenNameMissing]);
    expect(await page.getByText(text.kept).isVisible()).toBe(true);
    expect(await page.locator('#password').inputValue()).toBe('');
    await expectAccessible(page, `${name}-01-account-error`);

    // Scroll away first, so the link really has to bring the field back.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.locator('.error-summary a').click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('givenName');
    expect(await inViewport(page, 'label[for="givenName"]')).toBe(true);
    expect(await inViewport(page, '#givenName')).toBe(true);
    await expectAccessible(page, `${name}-02-account-error-link-followed`);
    await page.context().close();
  });

  it('"Passwort anzeigen" shows and hides the password on the login page', async () => {
    const page = await newPage(locale, width);
    await openLogin(page, locale);
    await page.locator('#password').fill('Geheim-2026');
    const toggle = page.getByRole('button', { name: text.show });
    expect(await toggle.getAttribute('aria-controls')).toBe('password');
    await toggle.click();
    expect(await page.locator('#password').getAttribute('type')).toBe('text');
    await expectAccessible(page, `${name}-03-login-password-shown`);
    await page.getByRole('button', { name: text.hide }).click();
    expect(await page.locator('#password').getAttribute('type')).toBe('password');
    await page.context().close();
  });
});

describe('without JavaScript', () => {
  it('focus still lands on the summary (autofocus), a summary link still shows the label (scroll-margin), and no toggle appears', async () => {
    const page = await newPage('de', 1280, false);
    await openLogin(page, 'de');
    expect(await page.getByRole('button', { name: TEXT.de.show }).count()).toBe(0);
    await submitWithoutGivenName(page, 'de');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.locator('.error-summary a').click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('givenName');
    expect(await inViewport(page, 'label[for="givenName"]')).toBe(true);
    // axe-core runs as page script, which is off here: the same markup is checked in the tests above.
    await page.screenshot({ path: `${SCREENSHOT_DIR}forms-de-1280-nojs-account-error-link-followed.png`, fullPage: true });
    await page.context().close();
  });
});
