/**
 * Browser tests (Debian Chromium + axe-core), in German and English, for the pages a citizen meets when
 * things do not go straight (issue 14): back after a completed login, blocked cookies, an expired
 * registration that keeps its details, the consent identity with "Nicht Sie?", logout with and without
 * id_token_hint, the 404 page and the footer links. Every page is screenshotted (test-results/screenshots/)
 * and must pass axe at 1280 px and at 320 px (WCAG 1.4.10 reflow).
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { configFile, ROOMY_RATE_LIMITS } from '../helpers/config-file.ts';
import { expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { startDemoPortal, type RunningDemoPortal } from '../helpers/demo-portal.ts';

const CITIZEN = { email: 'erika.pages@example.org', password: 'Musterstadt-Pages-2026', givenName: 'Erika', familyName: 'Mustermann' } as const;
const OTHER = { email: 'max.pages@example.org', password: 'Musterstadt-Pages-2027', givenName: 'Max', familyName: 'Mustermann' } as const;
const OPERATOR = {
  name: 'Servicekonto Musterland',
  contact: { email: 'hilfe@musterland.example' },
  links: {
    imprint: { de: 'https://musterland.example/impressum', en: 'https://musterland.example/en/imprint' },
    privacy: { de: 'https://musterland.example/datenschutz' },
    accessibility: { de: 'https://musterland.example/barrierefreiheit' },
    help: { de: 'https://musterland.example/hilfe' },
  },
  accessibilityFeedback: { email: 'barrierefrei@musterland.example' },
};
const STEP_TIMEOUT_MS = 15_000;

const TEXT = {
  de: {
    notFound: 'Diese Seite gibt es nicht',
    imprint: 'Impressum',
    already: 'Sie sind bereits angemeldet',
    cookies: 'Bitte lassen Sie Cookies zu',
    expired: 'Ihre Registrierung ist abgelaufen',
    signedIn: 'Angemeldet als Erika Mustermann',
    notYou: 'Nicht Sie? Mit anderem Konto anmelden',
    consent: 'Zustimmung zur Weitergabe Ihrer Daten an „Online-Dienste Musterstadt“',
    accept: 'Zustimmen und fortfahren',
    everywhere: 'Überall abmelden',
    onlyHere: 'Nur bei „Online-Dienste Musterstadt“ abmelden',
    loggedOut: 'Sie sind abgemeldet',
    backToPortal: 'Zurück zu „Online-Dienste Musterstadt“',
    register: 'Jetzt registrieren',
  },
  en: {
    notFound: 'This page does not exist',
    imprint: 'Legal notice',
    already: 'You are already logged in',
    cookies: 'Please allow cookies',
    expired: 'Your registration has expired',
    signedIn: 'Logged in as Erika Mustermann',
    notYou: 'Not you? Log in with another account',
    consent: 'Consent to share your data with “Online-Dienste Musterstadt”',
    accept: 'Agree and continue',
    everywhere: 'Log out everywhere',
    onlyHere: 'Log out of “Online-Dienste Musterstadt” only',
    loggedOut: 'You are logged out',
    backToPortal: 'Back to “Online-Dienste Musterstadt”',
    register: 'Register now',
  },
} as const;

let kontor: TestKontor;
let portal: RunningDemoPortal;
let portalUrl: string;
let browser: Browser;

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, operator: OPERATOR }) });
  for (const person of [CITIZEN, OTHER])
    await kontor.container.accounts.createVerified(person, (email, accountId, password) => kontor.container.passwords.setPassword(email, accountId, password));
  portal = await startDemoPortal(kontor);
  portalUrl = portal.url;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await kontor?.stop();
});

async function newPage(lang: 'de' | 'en'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: lang === 'de' ? 'de-DE' : 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  return { context, page };
}

/** axe at desktop width and at 320 px (400 % zoom of a 1280 px window), each with a screenshot. */
async function accessibleAtBothWidths(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await expectAccessible(page, `${name}-1280`);
  await page.setViewportSize({ width: 320, height: 640 });
  await expectAccessible(page, `${name}-320`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

const h1 = (page: Page) => page.getByRole('heading', { level: 1 });
const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname.startsWith(path);

/** From the portal to Kontor's login page, in `lang` (the portal passes it as ui_locales). */
async function startLogin(page: Page, lang: 'de' | 'en'): Promise<void> {
  await page.goto(`${portalUrl}/login?lang=${lang}`);
  await page.waitForURL(onKontor('/interaction/'));
}

async function logIn(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.locator('#username').fill(person.email);
  await page.locator('#password').fill(person.password);
  await page.locator('form[action$="/login"] button[type="submit"]').click();
}

describe.each(['de', 'en'] as const)('pages off the straight path (%s)', (lang) => {
  const text = TEXT[lang];

  test('404 page in the layout, with the footer links and the language switch', async () => {
    const { context, page } = await newPage(lang);
    try {
      const response = await page.goto(`${kontor.url}/no-such-page?lang=${lang}`);
      expect(response?.status()).toBe(404);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await h1(page).textContent()).toBe(text.notFound);
      expect(await page.title()).toMatch(lang === 'de' ? /^Seite nicht gefunden/ : /^Page not found/);
      const footer = page.getByRole('contentinfo');
      expect(await footer.getByRole('link', { name: text.imprint }).getAttribute('href')).toBe(
        lang === 'de' ? 'https://musterland.example/impressum' : 'https://musterland.example/en/imprint',
      );
      // Imprint, privacy, accessibility statement, barrier feedback, help; and the contact address.
      expect(await footer.getByRole('link').count()).toBe(6);
      const switcher = page.getByRole('navigation', { name: lang === 'de' ? 'Sprache' : 'Language' });
      const other = switcher.getByRole('link', { name: lang === 'de' ? 'English' : 'Deutsch' });
      expect(await other.getAttribute('hreflang')).toBe(lang === 'de' ? 'en' : 'de');
      await accessibleAtBothWidths(page, `${lang}-pages-404`);
      await other.click();
      await page.waitForURL((url) => url.pathname === '/no-such-page');
      expect(await page.locator('html').getAttribute('lang')).toBe(lang === 'de' ? 'en' : 'de');
    } finally {
      await context.close();
    }
  });

  test('consent names the person; "Nicht Sie?" brings the login form back; back after the login says so', async () => {
    const { context, page } = await newPage(lang);
    try {
      await startLogin(page, lang);
      await logIn(page, CITIZEN);
      await h1(page).filter({ hasText: text.consent }).waitFor();
      expect(await page.getByText(text.signedIn).isVisible()).toBe(true);
      await accessibleAtBothWidths(page, `${lang}-pages-consent`);
      await page.getByRole('button', { name: text.notYou }).click();
      await page.locator('#password').waitFor();
      await logIn(page, OTHER);
      await page.getByRole('button', { name: text.accept }).click();
      await page.waitForURL((url) => url.origin === portalUrl && url.pathname === '/');
      expect(await page.locator('#user-name').textContent()).toBe('Max Mustermann');

      // The browser's back button returns to the completed login.
      await page.goBack();
      await h1(page).filter({ hasText: text.already }).waitFor();
      expect(await page.getByRole('link', { name: text.backToPortal }).getAttribute('href')).toBe(`${portalUrl}/`);
      await accessibleAtBothWidths(page, `${lang}-pages-already-logged-in`);
    } finally {
      await context.close();
    }
  });

  test('blocked cookies: the interaction page says cookies are required', async () => {
    const { context, page } = await newPage(lang);
    try {
      await startLogin(page, lang);
      await context.clearCookies();
      await page.reload();
      await h1(page).filter({ hasText: text.cookies }).waitFor();
      expect(await page.getByRole('link', { name: text.backToPortal }).isVisible()).toBe(true);
      await accessibleAtBothWidths(page, `${lang}-pages-cookies`);
    } finally {
      await context.close();
    }
  });

  test('an expired registration keeps what was typed, except the password', async () => {
    const { context, page } = await newPage(lang);
    try {
      await startLogin(page, lang);
      await page.getByRole('link', { name: text.register }).click();
      await page.locator('#givenName').fill('Hannelore');
      await page.locator('#familyName').fill('Kramer');
      await page.locator('#email').fill(`hannelore.${lang}@example.org`);
      await page.locator('#password').fill('Musterstadt-2026');
      await page.locator('#passwordConfirmation').fill('Musterstadt-2026');
      await page.locator('form[action$="/register"] button[type="submit"]').click();
      await page.waitForURL(/\/register\/review$/);
      // The person leaves the page for longer than the interaction lives.
      await kontor.container.db.orm.em.fork().execute(`delete from oidc_payload where kind = 'Interaction'`);
      for (const box of await page.locator('input[type="checkbox"]').all()) await box.check();
      await page.locator('form[action$="/register/review"] button[type="submit"]').click();
      await h1(page).filter({ hasText: text.expired }).waitFor();
      await accessibleAtBothWidths(page, `${lang}-pages-registration-expired`);

      await startLogin(page, lang);
      await page.getByRole('link', { name: text.register }).click();
      expect(await page.locator('#givenName').inputValue()).toBe('Hannelore');
      expect(await page.locator('#email').inputValue()).toBe(`hannelore.${lang}@example.org`);
      expect(await page.locator('#password').inputValue()).toBe('');
    } finally {
      await context.close();
    }
  });

  test('logout: with the portal\'s id_token_hint no question; without it "everywhere" or "only here"', async () => {
    const { context, page } = await newPage(lang);
    try {
      await startLogin(page, lang);
      await logIn(page, CITIZEN);
      await page.getByRole('button', { name: text.accept }).click();
      await page.locator('#user-name').waitFor();
      // The demo portal sends id_token_hint: back on the portal at once, logged out at Kontor too.
      await page.locator('form[action="/logout"] button').click();
      await page.waitForURL((url) => url.origin === portalUrl && url.pathname === '/');
      await startLogin(page, lang);
      await page.locator('#password').waitFor();

      // Without a hint (the portal's client_id only), Kontor asks.
      await logIn(page, CITIZEN);
      await page.getByRole('button', { name: text.accept }).click(); // the logout ended the grant too
      await page.waitForURL((url) => url.origin === portalUrl);
      await page.goto(`${kontor.url}/session/end?client_id=demo-portal-e2e&ui_locales=${lang}`);
      await page.getByRole('button', { name: text.onlyHere }).waitFor();
      await accessibleAtBothWidths(page, `${lang}-pages-logout-question`);
      expect(await page.getByRole('button', { name: text.everywhere }).isVisible()).toBe(true);
      // "Only here": the logged-out page names the portal and leads back to it.
      await page.getByRole('button', { name: text.onlyHere }).click();
      await h1(page).filter({ hasText: text.loggedOut }).waitFor();
      expect(await page.getByRole('link', { name: text.backToPortal }).getAttribute('href')).toBe(`${portalUrl}/`);
      await accessibleAtBothWidths(page, `${lang}-pages-logged-out`);
    } finally {
      await context.close();
    }
  });
});
