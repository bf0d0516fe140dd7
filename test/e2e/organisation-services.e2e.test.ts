/**
 * Browser end-to-end test of the organisation's groups and role requests (issue 19 item 4, brief H3): an admin
 * creates a group (an empty name first: the error summary), adds a member and gives the group roles; the
 * member requests a further role with a justification; the admin approves it. In German and English; every
 * page passes axe-core (WCAG 2.1 A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, Page } from 'playwright-core';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser, openPage } from '../helpers/browser.ts';
import { clientWithRoles, memberOf, organisationWithAdmin } from '../helpers/organisations.ts';
import type { TestUser } from '../helpers/relying-party.ts';

const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let browser: Browser;

const WORDS = {
  de: {
    login: 'Anmelden',
    groups: 'Gruppen',
    create: 'Gruppe anlegen',
    addMember: 'Zur Gruppe hinzufügen',
    trainer: 'Ausbilder',
    viewer: 'Lesezugriff',
    saveRoles: 'Rollen speichern',
    saved: 'Die Rollen der Gruppe sind gespeichert.',
    justification: 'Begründung',
    send: 'Antrag senden',
    open: 'Offen',
    approve: 'Genehmigen',
    approved: 'Der Antrag ist genehmigt',
  },
  en: {
    login: 'Log in',
    groups: 'Groups',
    create: 'Create group',
    addMember: 'Add to the group',
    trainer: 'Trainer',
    viewer: 'Read access',
    saveRoles: 'Save roles',
    saved: 'The group’s roles have been saved.',
    justification: 'Justification',
    send: 'Send request',
    open: 'Open',
    approve: 'Approve',
    approved: 'The request has been approved',
  },
} as const;

const newPage = (locale: string) => openPage(browser, locale, { timeoutMs: STEP_TIMEOUT_MS });

/** Opens `path` of the account area, logging in on Kontor's login page on the way. */
async function openLoggedIn(page: Page, user: TestUser, path: string, lang: 'de' | 'en'): Promise<void> {
  await page.goto(`${kontor.url}${path}${lang === 'en' ? '?lang=en' : ''}`);
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await page.locator('#username').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: WORDS[lang].login, exact: true }).click();
  await page.waitForURL((url) => url.pathname === path);
}

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'false' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe.each(['de', 'en'] as const)('organisation groups and role requests (%s)', (lang) => {
  test('a group with a member and roles; a role request approved', async () => {
    const words = WORDS[lang];
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, organisationId, admin, input);
    const { clientId } = await clientWithRoles(kontor, { name: `Ausbildungsportal ${lang}` });
    await kontor.container.organisations.subscriptions.subscribe(admin.accountId, organisationId, clientId);
    const base = `/account/organisations/${organisationId}`;
    const locale = lang === 'de' ? 'de-DE' : 'en-GB';
    const adminSide = await newPage(locale);
    const memberSide = await newPage(locale);
    try {
      const page = adminSide.page;
      await openLoggedIn(page, admin, `${base}/groups`, lang);
      await page.getByRole('heading', { level: 1, name: words.groups }).waitFor();
      await expectAccessible(page, `${lang}-org-groups-01-list`);
      await page.getByRole('button', { name: words.create }).click();
      await page.locator('.error-summary').waitFor();
      expect(await page.title()).toMatch(/^(Fehler|Error): /);
      await expectAccessible(page, `${lang}-org-groups-02-name-missing`);
      await page.locator('#name').fill('Ausbildung');
      await page.getByRole('button', { name: words.create }).click();
      await page.waitForURL((url) => /\/groups\/[0-9a-f-]{36}$/.test(url.pathname));
      await page.locator('#member').selectOption(member.accountId);
      await page.getByRole('button', { name: words.addMember }).click();
      await page.locator('.notice').waitFor();
      await page.getByLabel(words.trainer, { exact: true }).check();
      await page.getByRole('button', { name: words.saveRoles }).click();
      await page.getByText(words.saved).waitFor();
      await expectAccessible(page, `${lang}-org-groups-03-group`);
      expect(await kontor.container.organisations.access.accessDecision(member.accountId, organisationId, clientId)).toEqual({
        allowed: true,
        roles: ['trainer'],
      });

      const asMember = memberSide.page;
      await openLoggedIn(asMember, member, `${base}/role-requests/new`, lang);
      await expectAccessible(asMember, `${lang}-org-role-request-01-form`);
      await asMember.getByLabel(words.viewer, { exact: true }).check();
      await asMember.getByLabel(words.justification).fill(lang === 'de' ? 'Ich prüfe die Berichtshefte.' : 'I check the training records.');
      await asMember.getByRole('button', { name: words.send }).click();
      await asMember.waitForURL((url) => url.pathname === `${base}/role-requests/mine`);
      await asMember.getByText(words.open, { exact: true }).waitFor();
      await expectAccessible(asMember, `${lang}-org-role-request-02-mine`);

      await page.goto(`${kontor.url}${base}/role-requests`);
      await expectAccessible(page, `${lang}-org-role-request-03-pending`);
      await page.getByRole('button', { name: words.approve }).click();
      await page.getByText(words.approved).waitFor();
      await expectAccessible(page, `${lang}-org-role-request-04-approved`);
      expect(await kontor.container.organisations.access.accessDecision(member.accountId, organisationId, clientId)).toEqual({
        allowed: true,
        roles: ['trainer', 'viewer'],
      });
    } finally {
      await adminSide.context.close();
      await memberSide.context.close();
    }
  });
});
