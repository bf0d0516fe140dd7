/**
 * "Mein Bereich" foundation (issue 17 items 1, 2, 7): the first-party account client logs in through
 * Kontor's authorization endpoint, keeps its session in the database (served by any instance), ends with
 * the IdP session, asks for a fresh login (with the second factor once enrolled) before a change, and lists
 * and ends the account's login sessions with back-channel logout to the portals.
 */
import type Router from '@koa/router';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { requireFreshLogin } from '../interactions/account/account-guard.ts';
import { openAccountArea, reauthenticate } from './helpers/account-area.ts';
import { backchannelReceiver, BACKCHANNEL_EVENT } from './helpers/backchannel.ts';
import { BrowserAgent, formEndingWith, parseForms } from './helpers/browser-agent.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { authorizationRequest, createUser, discover, open, POST_LOGOUT_URI, registerClient } from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';
import { callbackOf, enrolTotp } from './helpers/step-up.ts';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

let kontor: TestKontor;
let receiver: Awaited<ReturnType<typeof backchannelReceiver>>;
/** Requests the test change page's handler saw (a refused request must never reach it). */
const changes: string[] = [];

/** The account area's router, with a change page behind requireFreshLogin as stage 2's pages will have. */
function addChangePage(instance: TestKontor): void {
  const router = instance.app.routers.find((candidate) => candidate.stack.some((layer) => layer.path === '/account/sessions')) as Router;
  const deps = {
    clock: instance.clock,
    settings: { reauthMinutes: instance.config.account.reauthMinutes, secondFactorLevel: instance.config.secondFactor.level },
  };
  router.get('/account/test-change', requireFreshLogin(deps), (ctx) => {
    changes.push('GET');
    ctx.body = 'change page';
  });
  router.post('/account/test-change', requireFreshLogin(deps), (ctx) => {
    changes.push('POST');
    ctx.status = 303;
    ctx.redirect('/account?done=saved');
  });
}

async function areaRows(accountId: string): Promise<Array<{ id: string; idp_sid: string; amr: string[] }>> {
  return kontor.container.db.orm.em.fork().execute('select id, idp_sid, amr from account_area_session where account_id = ?', [accountId], 'all');
}

beforeAll(async () => {
  receiver = await backchannelReceiver();
  kontor = await startTestKontor('postgres');
  addChangePage(kontor);
});
afterAll(async () => {
  await kontor?.stop();
  receiver?.server.close();
});

describe('the account client and its session', () => {
  it('logs in through /auth as client kontor-account without a consent page, into a session row in the database', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const start = await agent.get('/account');
    expect(start.status).toBe(303);
    expect(start.location).toBe('/account/login?return=%2Faccount');
    const login = await agent.get(start.location!);
    const authorization = new URL(login.location!);
    expect(authorization.pathname).toBe('/auth');
    expect(authorization.searchParams.get('client_id')).toBe('kontor-account');
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${kontor.url}/account/callback`);
    expect(authorization.searchParams.get('scope')).toBe('openid');

    const { page } = await openAccountArea(kontor, user, agent);
    expect(page.body).not.toContain('/consent');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain('Mein Bereich');
    expect(page.body).toContain(user.email);
    const rows = await areaRows(user.accountId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.amr).toEqual(['pwd']);
    // The table holds the token's keyed hash, never the cookie value itself.
    const token = agent.cookieValues('kontor.account')[0]!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rows[0]!.id).not.toBe(token);
    // Not a portal: no consent of it to withdraw, no release of it in the ledger.
    const dataAccess = await agent.get('/account/data-access');
    expect(dataAccess.status).toBe(200);
    expect(dataAccess.body).not.toContain('name="client_id" value="kontor-account"');
    expect(await kontor.container.releases.byService(user.accountId)).toEqual([]);
  });

  it('is served by a second instance on the same database from the same cookie', async () => {
    const second = await startTestKontor('postgres', { DATABASE_URL: kontor.config.database.url!, KONTOR_ISSUER: kontor.url });
    try {
      const user = await createUser(kontor);
      const { agent } = await openAccountArea(kontor, user);
      const cookie = `kontor.account=${agent.cookieValues('kontor.account')[0]}`;
      const host = new URL(kontor.url).host;
      const page = await rawRequest(second.server, '/account', { headers: { host, cookie } });
      expect(page.status).toBe(200);
      expect(page.body).toContain(user.email);
      const stranger = await rawRequest(second.server, '/account', { headers: { host, cookie: 'kontor.account=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
      expect(stranger.status).toBe(303);
    } finally {
      await second.stop();
    }
  });

  it('ends when the IdP session ends at a portal’s logout', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    // The same browser goes on to a portal: already logged in, it only gives consent.
    const client = await registerClient(kontor);
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const request = await authorizationRequest(config);
    const callback = await callbackOf(agent, await open(agent, request.url));
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI });
    const done = await agent.follow(await agent.get(logout.href), (location) => location.startsWith(POST_LOGOUT_URI));
    expect(done.location).toBe(POST_LOGOUT_URI);

    const after = await agent.get('/account');
    expect(after.status).toBe(303);
    expect(after.location).toBe('/account/login?return=%2Faccount');
    expect(await areaRows(user.accountId)).toEqual([]);
    // The login starts again at Kontor's login page: the IdP session is gone too.
    const loginPage = await agent.follow(after);
    expect(loginPage.body).toContain('name="password"');
  });

  it('stays while in use (passing through the login silently) and ends when the IdP session runs out by the clock', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    kontor.clock.advance(15 * 60);
    const refreshed = await agent.get('/account/sessions');
    expect(refreshed.status).toBe(303); // past half the idle limit: through /auth again, no prompt
    const back = await agent.follow(refreshed);
    expect(back.url).toBe(`${kontor.url}/account/sessions`);
    expect(back.status).toBe(200);
    kontor.clock.advance(15 * 60);
    expect((await agent.follow(await agent.get('/account'))).url).toBe(`${kontor.url}/account`);

    kontor.clock.advance(21 * 60); // the session's idle limit at niedrig (20 minutes)
    const ended = await agent.follow(await agent.get('/account'));
    expect(ended.body).toContain('name="password"');
  });

  it('logs out through Kontor’s end_session_endpoint, which ends the IdP session and comes back to /account/logged-out', async () => {
    const user = await createUser(kontor);
    const { agent, page } = await openAccountArea(kontor, user);
    const form = formEndingWith(page.body, '/account/logout');
    const response = await agent.post(form.action, form.fields);
    expect(response.status).toBe(303);
    const endSession = new URL(response.location!);
    expect(endSession.pathname).toBe('/session/end');
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${kontor.url}/account/logged-out`);
    const loggedOut = await agent.follow(response);
    expect(loggedOut.url).toBe(`${kontor.url}/account/logged-out`);
    expect(loggedOut.body).toContain('Sie sind abgemeldet');
    expect(await areaRows(user.accountId)).toEqual([]);
    expect(await kontor.container.accountSessions.list(user.accountId)).toEqual([]);
  });

  it('comes back only to /account paths after the login', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    for (const target of ['https://evil.example/account', '//evil.example/account', '/account/../interaction', '/accounts', '/\\evil.example']) {
      const login = await agent.get(`/account/login?return=${encodeURIComponent(target)}`);
      const callback = await agent.follow(login, (location) => location.includes('/account/callback'));
      const landed = await agent.get(new URL(callback.location!, callback.url).href);
      expect(landed.location).toBe('/account');
    }
    const login = await agent.get(`/account/login?return=${encodeURIComponent('/account/sessions?x=1')}`);
    const callback = await agent.follow(login, (location) => location.includes('/account/callback'));
    expect((await agent.get(new URL(callback.location!, callback.url).href)).location).toBe('/account/sessions?x=1');
  });

  it('refuses a callback without the pending login of this browser', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const login = await agent.get('/account/login');
    const callback = await agent.follow(login, (location) => location.includes('/account/callback'));
    agent.dropCookie('kontor.account-login');
    const refused = await agent.get(new URL(callback.location!, callback.url).href);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Die Anmeldung bei „Mein Bereich“ hat nicht geklappt');
  });
});

describe('step-up before a change', () => {
  it('sends a change to re-authentication with max_age=0 once the login is older than reauthMinutes, then lets it pass', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    expect((await agent.get('/account/test-change')).status).toBe(200);
    kontor.clock.advance(6 * 60);
    changes.length = 0;

    const refusedPost = await agent.post(
      '/account/test-change',
      formEndingWith((await agent.follow(await agent.get('/account'))).body, '/account/logout').fields,
    );
    expect(refusedPost.status).toBe(303);
    expect(refusedPost.location).toBe('/account/login?return=%2Faccount%2Ftest-change&reauth=1');
    const refusedGet = await agent.get('/account/test-change');
    expect(refusedGet.location).toBe('/account/login?return=%2Faccount%2Ftest-change&reauth=1');
    expect(changes).toEqual([]);

    const interstitial = await agent.follow(refusedGet);
    expect(interstitial.status).toBe(200);
    expect(interstitial.body).toContain('Zum Ändern Ihrer Daten melden Sie sich bitte erneut an');
    const form = parseForms(interstitial.body).find((candidate) => candidate.action === '/account/login')!;
    const start = await agent.get(`/account/login?${new URLSearchParams(form.fields)}`);
    expect(new URL(start.location!).searchParams.get('max_age')).toBe('0');

    const back = await reauthenticate(agent, interstitial, { password: user.password, username: user.email });
    expect(back.url).toBe(`${kontor.url}/account/test-change`);
    expect(back.body).toBe('change page');
    expect(changes).toEqual(['GET']);
  });

  it('needs mfa once the account has a second factor: a login from before the enrolment is not fresh, however recent', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const { secret } = await enrolTotp(kontor, user);
    const refused = await agent.get('/account/test-change');
    expect(refused.location).toBe('/account/login?return=%2Faccount%2Ftest-change&reauth=1');
    const back = await reauthenticate(agent, await agent.follow(refused), { password: user.password, username: user.email, totpSecret: secret, kontor });
    expect(back.body).toBe('change page');
    expect((await areaRows(user.accountId))[0]!.amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

describe('active sessions', () => {
  it('lists the sessions with device and level, ends one (its portal gets a back-channel logout) and then all others', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user, new BrowserAgent(kontor.url, { userAgent: FIREFOX_LINUX }));
    const other = new BrowserAgent(kontor.url, { userAgent: CHROME_WINDOWS });
    const portal = await signIn(kontor, { user, agent: other, client: { name: 'Bauportal', backchannelLogoutUri: receiver.url } });
    const third = await signIn(kontor, { user, existing: { clientId: portal.clientId, clientSecret: portal.clientSecret } });

    const page = await agent.get('/account/sessions');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const text = page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Firefox unter Linux (dieses Gerät)');
    expect(text).toContain('Chrome unter Windows');
    expect(text).toContain('Unbekanntes Gerät');
    expect(text).toContain('Vertrauensniveau niedrig');
    expect(text).toContain('Angemeldet bei Bauportal');
    expect(text).toContain('Angemeldet bei Mein Bereich');

    const sessions = await kontor.container.accountSessions.list(user.accountId);
    expect(sessions).toHaveLength(3);
    const chrome = sessions.find((session) => session.device === CHROME_WINDOWS)!;
    const form = parseForms(page.body).find((candidate) => candidate.fields.uid === chrome.uid)!;
    receiver.tokens.length = 0;
    const ended = await agent.post(form.action, form.fields);
    expect(ended.status).toBe(303);
    expect((await agent.follow(ended)).body).toContain('Die Sitzung ist beendet.');
    expect(receiver.tokens).toHaveLength(1);
    const logoutToken = decodeJwt(receiver.tokens[0]!);
    expect(logoutToken.aud).toBe(portal.clientId);
    expect(logoutToken.events).toHaveProperty([BACKCHANNEL_EVENT]);
    expect((await kontor.container.accountSessions.list(user.accountId)).map((session) => session.uid)).not.toContain(chrome.uid);
    // The same uid again (a stale page) is said so.
    expect((await agent.post(form.action, form.fields)).status).toBe(404);

    const list = await agent.get('/account/sessions');
    const endOthers = formEndingWith(list.body, '/account/sessions/end-others');
    receiver.tokens.length = 0;
    const all = await agent.post(endOthers.action, endOthers.fields);
    expect((await agent.follow(all)).body).toContain('Alle anderen Sitzungen sind beendet.');
    expect(receiver.tokens).toHaveLength(1); // the third browser's session at the same portal
    const left = await kontor.container.accountSessions.list(user.accountId);
    expect(left).toHaveLength(1);
    expect(left[0]!.device).toBe(FIREFOX_LINUX);
    expect(third.tokens.id_token).toBeDefined();
    const events = await kontor.container.audit.list(kontor.container.db.orm.em, { accountId: user.accountId, type: 'session.ended' });
    expect(events).toHaveLength(2);
  });

  it('ending the session of this device ends the account area too', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const page = await agent.get('/account/sessions');
    const own = parseForms(page.body).find((candidate) => candidate.action === '/account/sessions/end')!;
    const ended = await agent.post(own.action, own.fields);
    expect(ended.location).toBe('/account/logged-out');
    expect(await areaRows(user.accountId)).toEqual([]);
    expect((await agent.get('/account')).location).toBe('/account/login?return=%2Faccount');
  });

  it('never ends a session of another account', async () => {
    const victim = await createUser(kontor);
    await openAccountArea(kontor, victim);
    const [victimSession] = await kontor.container.accountSessions.list(victim.accountId);
    const attacker = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, attacker);
    const form = parseForms((await agent.get('/account/sessions')).body).find((candidate) => candidate.action === '/account/sessions/end')!;
    expect((await agent.post(form.action, { ...form.fields, uid: victimSession!.uid })).status).toBe(404);
    expect(await kontor.container.accountSessions.list(victim.accountId)).toHaveLength(1);
  });
});
