/**
 * The operator-branded base pages (start page, 404/405, footer, language switch), the logout choices and
 * the demo portal's error page (issue 14, items 5 and 6). Through HTTP, against PostgreSQL.
 */
import * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startDemoPortal, type RunningDemoPortal } from './helpers/demo-portal.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  formEndingWith,
  loginAndConsent,
  open,
  registerClient,
  POST_LOGOUT_URI,
  type TestUser,
} from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';

const OPERATOR = {
  name: 'Servicekonto Musterland',
  logoUrl: '/static/kontor.css',
  contact: { email: 'hilfe@musterland.example', phone: '0391 12345' },
  links: {
    imprint: { de: 'https://musterland.example/impressum', en: 'https://musterland.example/en/legal-notice' },
    privacy: { de: 'https://musterland.example/datenschutz' },
    accessibility: { de: 'https://musterland.example/barrierefreiheit' },
    help: { de: 'https://musterland.example/hilfe' },
  },
  accessibilityFeedback: { email: 'barrierefrei@musterland.example' },
};

let kontor: TestKontor;
let config: oidc.Configuration;
let user: TestUser;

const textOf = (page: AgentResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const titleOf = (page: AgentResponse) => decodeEntities(/<title>([^<]*)<\/title>/.exec(page.body)?.[1] ?? '');

beforeAll(async () => {
  kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, operator: OPERATOR }) });
  const client = await registerClient(kontor, { name: 'Testportal', clientUri: 'https://testportal.example/' });
  config = await discover(kontor, client.clientId, client.clientSecret);
  user = await createUser(kontor);
});
afterAll(() => kontor?.stop());

describe('operator-branded base pages', () => {
  it('serves a start page at / with the operator, the help and the legal pages, in German and English', async () => {
    const agent = new BrowserAgent(kontor.url);
    const de = await agent.get('/');
    expect(de.status).toBe(200);
    expect(de.body).toMatch(/^<!DOCTYPE html>\s*<html lang="de">/);
    expect(titleOf(de)).toBe('Startseite – Servicekonto Musterland');
    expect(de.body).toContain('<h1>Servicekonto Musterland</h1>');
    expect(de.body).toContain('<img class="brand-logo" src="/static/kontor.css" alt="">');
    expect(de.body).toContain('href="https://musterland.example/hilfe"');
    expect(textOf(de)).toContain('Die Anmeldung beginnt beim Online-Dienst');
    const en = await agent.get('/?lang=en');
    expect(en.body).toMatch(/<html lang="en">/);
    expect(titleOf(en)).toMatch(/^Home/);
    expect(en.body).toContain('<a href="https://musterland.example/en/legal-notice">Legal notice</a>');
  });

  it('links the legal pages, the barrier feedback and the contact in every footer', async () => {
    for (const path of ['/', '/password/forgot', '/no-such-page']) {
      const page = await new BrowserAgent(kontor.url).get(path);
      const footer = /<footer[\s\S]*<\/footer>/.exec(page.body)?.[0] ?? '';
      expect(footer).toContain('<a href="https://musterland.example/impressum">Impressum</a>');
      expect(footer).toContain('<a href="https://musterland.example/datenschutz">Datenschutzerklärung</a>');
      expect(footer).toContain('<a href="https://musterland.example/barrierefreiheit">Barrierefreiheitserklärung</a>');
      expect(footer).toContain('<a href="mailto:barrierefrei@musterland.example">Barriere melden</a>');
      expect(footer).toContain('<a href="https://musterland.example/hilfe">Hilfe und Kontakt</a>');
      expect(footer).toContain('hilfe@musterland.example');
      expect(page.body).toContain('Servicekonto Musterland</span>');
    }
  });

  it('has a Deutsch/English switch that keeps the current path and query', async () => {
    const page = await new BrowserAgent(kontor.url).get('/password/forgot?interaction=abcdefghijkl');
    const nav = decodeEntities(/<nav class="language-switch" aria-label="Sprache">[\s\S]*?<\/nav>/.exec(page.body)?.[0] ?? '');
    expect(nav).toContain('<a href="/password/forgot?interaction=abcdefghijkl&lang=de" hreflang="de" lang="de" aria-current="true">Deutsch</a>');
    expect(nav).toContain('<a href="/password/forgot?interaction=abcdefghijkl&lang=en" hreflang="en" lang="en">English</a>');
  });

  it('answers unknown paths with an HTML 404 page and wrong methods with a 405 page, in the layout', async () => {
    const agent = new BrowserAgent(kontor.url);
    const missing = await agent.get('/no-such-page?lang=en');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/text\/html/);
    expect(missing.body).toMatch(/<html lang="en">/);
    expect(titleOf(missing)).toMatch(/^Page not found/);
    expect(missing.body).toContain('href="/"');
    const wrongMethod = await agent.get('/interaction/abcdefghijkl/login?lang=de');
    expect(wrongMethod.status).toBe(405);
    expect(titleOf(wrongMethod)).toMatch(/^Aufruf nicht möglich/);
    // The provider's own answers pass untouched.
    expect((await agent.get('/.well-known/openid-configuration')).headers.get('content-type')).toMatch(/json/);
    expect((await agent.get('/auth?client_id=nobody')).body).toContain('invalid_client');
  });
});

describe('logout', () => {
  it('without id_token_hint offers "Überall abmelden" or only this portal; only the portal keeps the session', async () => {
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    const endSession = oidc.buildEndSessionUrl(config, { client_id: config.clientMetadata().client_id, post_logout_redirect_uri: POST_LOGOUT_URI });
    const question = await open(agent, endSession);
    expect(question.status).toBe(200);
    expect(textOf(question)).toContain('Überall abmelden');
    expect(textOf(question)).toContain('Nur bei „Testportal“ abmelden');
    const form = formEndingWith(question.body, '/session/end/confirm');
    const onlyHere = await agent.follow(await agent.post(form.action, form.fields), (location) => location.startsWith(POST_LOGOUT_URI));
    expect(onlyHere.location?.startsWith(POST_LOGOUT_URI)).toBe(true);
    // Still logged in at Kontor: the next request asks for consent again (the grant ended), not for the password.
    const next = await open(agent, (await authorizationRequest(config)).url);
    expect(next.body).not.toContain('name="password"');

    const everywhere = formEndingWith((await open(agent, endSession)).body, '/session/end/confirm');
    await agent.follow(await agent.post(everywhere.action, { ...everywhere.fields, logout: 'yes' }), (location) => location.startsWith(POST_LOGOUT_URI));
    expect((await open(agent, (await authorizationRequest(config)).url)).body).toContain('name="password"');
  });

  it("with a valid id_token_hint of this session logs out without asking; another login's token still asks", async () => {
    const first = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const tokens = await oidc.authorizationCodeGrant(config, await loginAndConsent(first, request, user), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const second = new BrowserAgent(kontor.url);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a login in another second: another auth_time
    await loginAndConsent(second, await authorizationRequest(config), user);
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's1' });
    const asked = await open(second, url);
    expect(asked.status).toBe(200);
    expect(textOf(asked)).toContain('Überall abmelden');
    const unasked = await open(first, url);
    expect(unasked.status).toBe(303);
    expect(unasked.location).toBe(`${POST_LOGOUT_URI}?state=s1`);
    expect((await open(first, (await authorizationRequest(config)).url)).body).toContain('name="password"');
  });

  it('the logged-out page offers the next step', async () => {
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    const form = formEndingWith((await open(agent, `${kontor.url}/session/end`)).body, '/session/end/confirm');
    const done = await agent.follow(await agent.post(form.action, { ...form.fields, logout: 'yes' }));
    expect(textOf(done)).toContain('Sie sind abgemeldet');
    expect(done.body).toContain('<a class="button primary" href="/">Zur Startseite</a>');
  });
});

describe('demo portal', () => {
  let portal: RunningDemoPortal;
  let portalUrl: string;
  beforeAll(async () => {
    portal = await startDemoPortal(kontor);
    portalUrl = portal.url;
  });
  afterAll(() => portal?.stop());

  it('shows access_denied and other login errors as a page, not as text or a stack', async () => {
    const agent = new BrowserAgent(portalUrl);
    const login = await agent.get('/login');
    const state = new URL(login.location!).searchParams.get('state')!;
    const denied = await agent.get(`/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(kontor.url)}`);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toMatch(/text\/html/);
    expect(denied.body).toContain('<h1>Anmeldung abgebrochen</h1>');
    expect(denied.body).toContain('href="/login"');
    const again = new URL((await agent.get('/login')).location!).searchParams.get('state')!;
    const failed = await agent.get(`/callback?error=server_error&error_description=kaputt&state=${again}&iss=${encodeURIComponent(kontor.url)}`);
    expect(failed.body).toContain('<h1>Anmeldung fehlgeschlagen</h1>');
    expect(failed.body).toContain('<code>server_error</code>');
    expect(failed.body).not.toMatch(/at .*\.ts:\d+/);
  });
});
