/**
 * Browser end-to-end test of organisation registration and member management (issue 19, brief H2): an adult
 * opens "Mein Bereich", goes to "Meine Organisationen", registers an organisation (a wrong house number
 * first: the error summary; then the review step), invites a colleague by e-mail, accepts another person's
 * join request and makes that person a second admin. In German and in English; every page passes axe-core
 * (WCAG 2.1 A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';
import { createUser } from '../helpers/relying-party.ts';
import { adult, organisationInput, setBirthdate } from '../helpers/organisations.ts';

const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    tile: 'Meine Organisationen',
    register: 'Organisation registrieren',
    submit: 'Organisation registrieren',
    next: 'Weiter zur Prüfung',
    reviewHeading: 'Angaben zur Organisation prüfen',
    registered: 'Die Organisation ist registriert.',
    invitations: 'Einladungen',
    invite: 'Einladung senden',
    invited: 'Die Einladung wurde per E-Mail versendet.',
    back: 'Zurück zur Übersicht der Organisation',
    joinRequests: 'Beitrittsanfragen',
    accept: (name: string) => `Anfrage von ${name} annehmen`,
    accepted: 'Die Anfrage wurde angenommen',
    members: 'Mitglieder und Administration',
    promote: (name: string) => `${name} zur Administration ernennen`,
    promoted: 'Die Person ist jetzt Administratorin bzw. Administrator.',
    admin: 'Administration',
  },
  en: {
    login: 'Log in',
    tile: 'My organisations',
    register: 'Register an organisation',
    submit: 'Register the organisation',
    next: 'Continue to review',
    reviewHeading: 'Check the organisation’s details',
    registered: 'The organisation is registered',
    invitations: 'Invitations',
    invite: 'Send the invitation',
    invited: 'The invitation was sent by e-mail.',
    back: 'Back to the organisation’s overview',
    joinRequests: 'Requests to join',
    accept: (name: string) => `Accept the request from ${name}`,
    accepted: 'The request was accepted',
    members: 'Members and administrators',
    promote: (name: string) => `Make ${name} an administrator`,
    promoted: 'The person is now an administrator.',
    admin: 'Administrator',
  },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS, height: 900 });

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe.each(['de', 'en'] as const)('organisation registration and member management (%s)', (lang) => {
  test('register with a review step, invite, accept a join request, promote a second admin', async () => {
    const words = WORDS[lang];
    const admin = await adult(kontor);
    const input = organisationInput({ poBox: '4711' });
    const { context, page } = await newPage(lang === 'de' ? 'de-DE' : 'en-GB');
    try {
      await page.goto(`${kontor.url}/account${lang === 'en' ? '?lang=en' : ''}`);
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      await page.locator('#username').fill(admin.email);
      await page.locator('#password').fill(admin.password);
      await page.getByRole('button', { name: words.login, exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/account');

      await page.getByRole('link', { name: words.tile }).click();
      await page.waitForURL((url) => url.pathname === '/account/organisations');
      await expectAccessible(page, `${lang}-organisation-01-list`);
      await page.getByRole('link', { name: words.register }).click();
      await page.waitForURL((url) => url.pathname === '/account/organisations/new');
      await expectAccessible(page, `${lang}-organisation-02-form`);

      await page.locator('#name').fill(input.name);
      await page.locator('#legalForm').selectOption(input.legalForm);
      await page.locator('#registerCourt').fill(input.registerCourt!);
      await page.locator('#registerNumber').fill(input.registerNumber!);
      await page.locator('#street').fill(input.street);
      await page.locator('#houseNumber').fill('17 a');
      await page.locator('#postalCode').fill(input.postalCode);
      await page.locator('#city').fill(input.city);
      await page.locator('#poBox').fill(input.poBox!);
      await page.locator('#contactEmail').fill(input.contactEmail);
      await page.getByRole('button', { name: words.next }).click();
      await page.locator('.error-summary a[href="#houseNumber"]').waitFor();
      expect(await page.locator('#houseNumber').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#city').inputValue()).toBe(input.city);
      await expectAccessible(page, `${lang}-organisation-03-form-error`);

      await page.locator('#houseNumber').fill(input.houseNumber);
      await page.getByRole('button', { name: words.next }).click();
      await page.getByRole('heading', { level: 1, name: words.reviewHeading }).waitFor();
      expect(await page.locator('dl.review').textContent()).toContain(input.name);
      await expectAccessible(page, `${lang}-organisation-04-review`);
      await page.getByRole('button', { name: words.submit }).click();
      await page.getByText(words.registered).waitFor();
      await page.getByRole('heading', { level: 1, name: input.name }).waitFor();
      await expectAccessible(page, `${lang}-organisation-05-overview`);
      const base = new URL(page.url()).pathname;

      // Invite a colleague by e-mail.
      await page.getByRole('link', { name: words.invitations, exact: true }).click();
      await page.locator('#email').fill(`colleague.${lang}.${Date.now()}@example.org`);
      await page.getByRole('button', { name: words.invite }).click();
      await page.getByText(words.invited).waitFor();
      await expectAccessible(page, `${lang}-organisation-06-invitations`);

      // Someone asked to join (with the exact data); the admin accepts.
      const asking = await createUser(kontor);
      await setBirthdate(kontor, asking.accountId, '1990-02-02');
      await kontor.container.organisations.joinRequests.request(asking.accountId, {
        name: input.name,
        postalCode: input.postalCode,
        registerNumber: input.registerNumber,
      });
      const person = await kontor.container.accounts.findById(asking.accountId);
      const name = `${person!.givenName} ${person!.familyName}`;
      await page.getByRole('link', { name: words.back }).click();
      await page.getByRole('link', { name: words.joinRequests, exact: true }).click();
      await page.waitForURL((url) => url.pathname === `${base}/join-requests`);
      await expectAccessible(page, `${lang}-organisation-07-join-requests`);
      await page.getByRole('button', { name: words.accept(name) }).click();
      await page.getByText(words.accepted).waitFor();

      // Make the new member a second admin.
      await page.getByRole('link', { name: words.back }).click();
      await page.getByRole('link', { name: words.members, exact: true }).click();
      await page.waitForURL((url) => url.pathname === `${base}/members`);
      await expectAccessible(page, `${lang}-organisation-08-members`);
      await page.getByRole('button', { name: words.promote(name) }).click();
      await page.getByText(words.promoted).waitFor();
      await expectAccessible(page, `${lang}-organisation-09-promoted`);
      const roles = await kontor.container.organisations.access.organisationsOf(asking.accountId);
      expect(roles).toEqual([expect.objectContaining({ name: input.name, role: 'admin' })]);
    } finally {
      await context.close();
    }
  });
});
