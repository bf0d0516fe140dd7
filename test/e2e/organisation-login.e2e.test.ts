/**
 * Browser end-to-end test of the login's organisation step (issue 19): a person in two organisations logs in
 * to the demo portal, picks one on Kontor's chooser and sees it with their roles on the portal; "Organisation
 * wechseln" offers the chooser again. A member without a role is told why on Kontor's page and the portal
 * receives access_denied. In German and in English; every Kontor page on the way passes axe-core (WCAG 2.1
 * A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, Page } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';
import { startDemoPortal, type RunningDemoPortal } from '../helpers/demo-portal.ts';
import { memberOf, organisationWithAdmin } from '../helpers/organisations.ts';
import type { TestUser } from '../helpers/relying-party.ts';

const STEP_TIMEOUT_MS = 15_000;
const PORTAL_CLIENT = 'demo-portal-e2e';

let kontor: TestKontor;
let portal: RunningDemoPortal;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    consent: 'Zustimmen und fortfahren',
    next: 'Weiter',
    chooser: 'Für welche Organisation melden Sie sich an?',
    refused: 'keine Rolle',
  },
  en: { login: 'Log in', consent: 'Agree and continue', next: 'Continue', chooser: 'Which organisation are you logging in for?', refused: 'You have no role' },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS });

const onKontor = (path: string) => (url: URL) => url.origin === kontor.url && url.pathname.includes(path);
const onPortal = (path: string) => (url: URL) => url.origin === portal.url && url.pathname === path;

async function logIn(page: Page, lang: 'de' | 'en', user: TestUser, path = '/login'): Promise<void> {
  await page.goto(`${portal.url}${path}${lang === 'en' ? `${path.includes('?') ? '&' : '?'}lang=en` : ''}`);
  await page.waitForURL(onKontor('/interaction/'));
  await page.locator('#username').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: WORDS[lang].login, exact: true }).click();
}

/** After a step that may lead to the consent page: agrees there if asked, then waits for the portal. */
async function throughConsent(page: Page, lang: 'de' | 'en'): Promise<void> {
  const consent = page.getByRole('button', { name: WORDS[lang].consent });
  await Promise.race([page.waitForURL(onPortal('/')), consent.waitFor()]);
  if (!onPortal('/')(new URL(page.url()))) {
    await consent.click();
    await page.waitForURL(onPortal('/'));
  }
}

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  portal = await startDemoPortal(kontor);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await kontor?.stop();
});

describe.each(['de', 'en'] as const)('the organisation step from the demo portal (%s)', (lang) => {
  const words = WORDS[lang];

  test('chooser: pick an organisation, see it with its roles on the portal, change it', async () => {
    const a = await organisationWithAdmin(kontor);
    const b = await organisationWithAdmin(kontor);
    const person = await memberOf(kontor, a.organisationId, a.admin, a.input);
    const { joinRequests, subscriptions, assignments } = kontor.container.organisations;
    const { requestId } = await joinRequests.request(person.accountId, {
      name: b.input.name,
      postalCode: b.input.postalCode,
      registerNumber: b.input.registerNumber,
    });
    await joinRequests.accept(b.admin.accountId, b.organisationId, requestId);
    for (const [org, role] of [
      [a, 'antragsteller'],
      [b, 'sachbearbeitung'],
    ] as const) {
      await subscriptions.subscribe(org.admin.accountId, org.organisationId, PORTAL_CLIENT);
      await assignments.assign(org.admin.accountId, org.organisationId, { accountId: person.accountId }, PORTAL_CLIENT, [role]);
    }
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await logIn(page, lang, person);
      await page.getByRole('heading', { name: words.chooser }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await expectAccessible(page, `${lang}-organisation-01-chooser`);

      // Submitting without a choice: the error summary names the field.
      await page.getByRole('button', { name: words.next, exact: true }).click();
      await page.locator('.error-summary').waitFor();
      await expectAccessible(page, `${lang}-organisation-02-chooser-error`);

      await page.getByLabel(b.input.name).check();
      await page.getByRole('button', { name: words.next, exact: true }).click();
      await throughConsent(page, lang);
      expect(await page.locator('#organisation').textContent()).toContain(`Organisation: ${b.input.name}, Rollen: Sachbearbeitung`);

      // "Organisation wechseln": the chooser again (no password: the session holds), B preselected.
      await page.getByRole('link', { name: 'Organisation wechseln' }).click();
      await page.getByRole('heading', { name: words.chooser }).waitFor();
      expect(await page.locator('#password').count()).toBe(0);
      expect(await page.getByLabel(b.input.name).isChecked()).toBe(true);
      await page.getByLabel(a.input.name).check();
      await page.getByRole('button', { name: words.next, exact: true }).click();
      await throughConsent(page, lang);
      expect(await page.locator('#organisation').textContent()).toContain(`Organisation: ${a.input.name}, Rollen: Antragsteller`);
    } finally {
      await context.close();
    }
  });

  test('refusal: a member without a role is told why, and the portal receives access_denied', async () => {
    const org = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, org.organisationId, org.admin, org.input);
    await kontor.container.organisations.subscriptions.subscribe(org.admin.accountId, org.organisationId, PORTAL_CLIENT);
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await logIn(page, lang, member);
      await page.locator('#organisation-notice').waitFor();
      expect(await page.locator('#organisation-notice').textContent()).toContain(words.refused);
      await expectAccessible(page, `${lang}-organisation-03-refused`);
      await page.getByRole('button', { name: /Online-Dienste Musterstadt/ }).click();
      await page.waitForURL(onPortal('/callback'));
      expect(await page.locator('h1').textContent()).toBe('Kein Zugang für Ihre Organisation');
      expect(await page.locator('main').textContent()).toContain('no role');
    } finally {
      await context.close();
    }
  });
});
