/**
 * Browser end-to-end test of "Meine persönlichen Daten" and "E-Mail-Adresse ändern" (issue 17 items 3 and 4),
 * by keyboard only: every field is reached with Tab, forms are sent with Enter, buttons pressed with Space; no
 * clicks (WCAG 2.1.1). The journey: log in to "Mein Bereich", send the profile form with an empty given name
 * (the error summary is focused and names the field), correct it, then change the e-mail address with a
 * mismatching repetition first, and confirm the link from the mail on its button page. In German and in
 * English; every page passes axe-core (WCAG 2.1 A/AA); screenshots in test-results/screenshots/.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 and /usr/bin/chromium (apt-get install chromium).
 */
import type { Browser, Page } from 'playwright-core';
import { configFile, ROOMY_RATE_LIMITS } from '../helpers/config-file.ts';
import { startTestKontor, type TestKontor } from '../helpers/kontor.ts';
import { expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { createUser } from '../helpers/relying-party.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const STEP_TIMEOUT_MS = 15_000;

let kontor: TestKontor;
let smtp: SmtpSink;
let browser: Browser;

const WORDS = {
  de: {
    required: 'Geben Sie Ihren Vornamen ein.',
    saved: 'Ihre persönlichen Daten wurden gespeichert.',
    mismatch: 'Die beiden E-Mail-Adressen stimmen nicht überein.',
    sent: 'Wir haben Ihnen einen Link an die neue Adresse',
    confirmed: 'Ihre neue E-Mail-Adresse ist aktiviert',
  },
  en: {
    required: 'Enter your given name.',
    saved: 'Your personal details were saved.',
    mismatch: 'The two e-mail addresses do not match.',
    sent: 'We have sent a link to the new address',
    confirmed: 'Your new e-mail address is active',
  },
} as const;

/** Presses Tab until the element matching `selector` has the focus (fails after 40 presses). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 40; presses += 1) {
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector} on ${page.url()}`);
}

/** Tabs to a text field, replaces its content by typing, as a keyboard user would. */
async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await tabTo(page, selector);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  if (text) await page.keyboard.type(text);
}

beforeAll(async () => {
  smtp = await SmtpSink.start();
  kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
  await smtp?.stop();
});

describe.each(['de', 'en'] as const)('personal data and e-mail change by keyboard (%s)', (lang) => {
  test('edit the name with a correction, then change the address and confirm the link', async () => {
    const words = WORDS[lang];
    const user = await createUser(kontor);
    const context = await browser.newContext({ locale: lang, viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    try {
      // The area's login: Kontor's own login page (no consent page for the first-party client).
      await page.goto(`${kontor.url}/account/profile?lang=${lang}`);
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      await typeInto(page, '#username', user.email);
      await typeInto(page, '#password', user.password);
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/account/profile');
      await expectAccessible(page, `account-profile-${lang}`);

      await typeInto(page, '#givenName', '');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.error-summary');
      expect(await page.evaluate(() => document.activeElement?.classList.contains('error-summary'))).toBe(true);
      expect(await page.locator('.error-summary').textContent()).toContain(words.required);
      await expectAccessible(page, `account-profile-error-${lang}`);
      await typeInto(page, '#givenName', 'Erika Maria');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/account' && url.searchParams.get('done') === 'profile');
      expect(await page.locator('main').textContent()).toContain(words.saved);
      expect((await kontor.container.accounts.findById(user.accountId))?.givenName).toBe('Erika Maria');

      const address = `neu.${lang}.${Date.now()}@example.net`;
      await page.goto(`${kontor.url}/account/email`);
      await expectAccessible(page, `account-email-${lang}`);
      await typeInto(page, '#newEmail', address);
      await typeInto(page, '#newEmailConfirmation', `x${address}`);
      await page.keyboard.press('Enter');
      await page.waitForSelector('.error-summary');
      expect(await page.locator('#newEmailConfirmation-error').textContent()).toContain(words.mismatch);
      await expectAccessible(page, `account-email-error-${lang}`);
      await typeInto(page, '#newEmailConfirmation', address);
      await page.keyboard.press('Enter');
      await page.waitForSelector(`text=${words.sent}`);
      await expectAccessible(page, `account-email-sent-${lang}`);

      const link = SmtpSink.linkIn((await smtp.waitFor(address))[0]!, `${kontor.url}/account/email/confirm?token=`);
      await page.goto(link);
      await expectAccessible(page, `account-email-confirm-${lang}`);
      await tabTo(page, 'form[action="/account/email/confirm"] button[type="submit"]');
      await page.keyboard.press('Space');
      await page.waitForSelector(`text=${words.confirmed}`);
      await expectAccessible(page, `account-email-confirmed-${lang}`);
      expect((await kontor.container.accounts.findById(user.accountId))?.email).toBe(address);
    } finally {
      await context.close();
    }
  });
});
