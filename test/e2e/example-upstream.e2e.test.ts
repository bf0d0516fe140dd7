/**
 * Browser test of the example upstream OpenID provider's pages (issue 18): login (with a wrong password
 * first), consent and the logout question of "Servicekonto Testland" in Chromium, each checked by axe-core
 * (WCAG 2.1 A/AA); screenshots in test-results/screenshots/. The relying party is a loopback page that
 * shows what arrived.
 *
 * Needs /usr/bin/chromium (apt-get install chromium).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import * as oidc from 'openid-client';
import { expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { startUpstreamOp, UPSTREAM_ACCOUNT, type RunningUpstream } from '../helpers/upstream-op.ts';

const SECRET = 'kontor-at-testland-secret-0123456789';
let browser: Browser;
let upstream: RunningUpstream;
let rp: Server;
let rpUrl: string;

beforeAll(async () => {
  rp = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>RP</title><p>${req.url}</p>`));
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  rpUrl = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  upstream = await startUpstreamOp({
    clients: [
      {
        client_id: 'kontor',
        client_name: 'Kontor Servicekonto',
        client_secret: SECRET,
        redirect_uris: [`${rpUrl}/callback`],
        post_logout_redirect_uris: [`${rpUrl}/`],
      },
    ],
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await upstream?.stop();
  await new Promise((resolve) => rp?.close(resolve));
});

it('logs in, agrees and logs out through accessible pages', async () => {
  const config = await oidc.discovery(new URL(upstream.issuer), 'kontor', undefined, oidc.ClientSecretBasic(SECRET), { execute: [oidc.allowInsecureRequests] });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${rpUrl}/callback`,
    scope: 'openid profile email address',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: 'e2e-state',
  });
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  await page.goto(url.href);
  await expectAccessible(page, 'upstream-01-login');
  await page.getByLabel('Benutzername').fill(UPSTREAM_ACCOUNT.username);
  await page.getByLabel('Passwort').fill('falsch');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.getByRole('alert').waitFor();
  await expectAccessible(page, 'upstream-02-login-failed');
  await page.getByLabel('Passwort').fill(UPSTREAM_ACCOUNT.password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.getByRole('button', { name: 'Zustimmen' }).waitFor();
  expect(await page.textContent('main')).toContain('Deichweg 1, 25813 Husum, DE');
  await expectAccessible(page, 'upstream-03-consent');
  await page.getByRole('button', { name: 'Zustimmen' }).click();
  await page.waitForURL((current) => current.href.startsWith(`${rpUrl}/callback`));
  expect(new URL(page.url()).searchParams.get('state')).toBe('e2e-state');

  await page.goto(oidc.buildEndSessionUrl(config, { client_id: 'kontor', post_logout_redirect_uri: `${rpUrl}/`, state: 'bye' }).href);
  await expectAccessible(page, 'upstream-04-logout');
  await page.getByRole('button', { name: 'Ja, abmelden' }).click();
  await page.waitForURL((current) => current.href.startsWith(`${rpUrl}/?state=bye`));
  await context.close();
});
