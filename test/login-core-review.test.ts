import { jest } from '@jest/globals';
import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, open, registerClient, submitLogin, type TestUser } from './helpers/relying-party.ts';
import { callbackOf, enrolTotp, idTokenClaims, submitCode, submitForm, textOf, totpAt } from './helpers/step-up.ts';
import { BSI_ACR } from '../src/trust/index.ts';

const FAILURES_BEFORE_DELAY = 3;

/**
 * Adversarial review of the login core (issue 15): requests a demanding portal or an attacker would send,
 * each checked against what OIDC Core and TRUST-AND-CLAIMS.md require.
 */
describe('login core under review', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;
  let floored: oidc.Configuration;

  beforeAll(async () => {
    // niedrig idles after 60 min here, so a session kept in use outlives substanziell's 2 h total limit at niedrig.
    const settings = {
      ...ROOMY_RATE_LIMITS,
      rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, secondFactorPerIp: { limit: 1000, windowSeconds: 3600 } },
      secondFactor: { failuresBeforeDelay: FAILURES_BEFORE_DELAY },
      session: { idleMinutes: 60 },
    };
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(settings) });
    // Remembered consent: these tests reuse the session for further authorizations (SSO without a page).
    const client = await registerClient(kontor, { consent: 'remembered' });
    config = await discover(kontor, client.clientId, client.clientSecret);
    const withFloor = await registerClient(kontor, { defaultAcrValues: [BSI_ACR.substanziell], consent: 'remembered' });
    floored = await discover(kontor, withFloor.clientId, withFloor.clientSecret);
  });
  afterAll(() => kontor?.stop());

  const nowSeconds = () => Math.floor(kontor.clock.now().getTime() / 1000);
  const hasCode = (location: string | null) => Boolean(location && new URL(location, kontor.url).searchParams.has('code'));

  /** A browser with a password session (the account had no factor then). */
  async function passwordSession(user: TestUser) {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const claims = await idTokenClaims(
      config,
      request,
      await callbackOf(agent, await submitLogin(agent, await open(agent, request.url), user.email, user.password)),
    );
    expect(claims.acr).toBe(BSI_ACR.niedrig);
    return { agent, passwordTime: claims.auth_time! };
  }

  /** An SSO request without any level: the session is used (its idle time starts again). */
  async function keepAlive(agent: BrowserAgent) {
    const request = await authorizationRequest(config);
    const response = await open(agent, request.url);
    expect(hasCode(response.location)).toBe(true);
  }

  describe('the client’s floor (default_acr_values) against a higher voluntary acr_values', () => {
    it('never lets going on below a voluntary hoch drop a fresh login under the floor', async () => {
      const user = await createUser(kontor);
      const agent = new BrowserAgent(kontor.url);
      // The portal asks for hoch without insisting; its registration insists on substanziell.
      const request = await authorizationRequest(floored, { acr_values: BSI_ACR.hoch });
      // hoch is beyond every method: the person is told before the password, and may go on below it.
      const notice = await open(agent, request.url);
      expect(textOf(notice)).toContain('Dieser Dienst verlangt das Vertrauensniveau hoch.');
      // Going on lands at the floor, and the button says so (not "niedrig").
      expect(textOf(notice)).toContain('Mit Vertrauensniveau substanziell fortfahren');
      const loginPage = await submitForm(agent, notice, '/continue-below');
      const after = await submitLogin(agent, loginPage, user.email, user.password);
      // Below hoch, but not below the floor: the login must go on to the second factor's enrolment,
      // neither to the consent page nor to the portal at niedrig.
      expect(hasCode(after.location)).toBe(false);
      expect(after.body).toContain('/enrol/totp');
    });

    it('never lets going on below a voluntary hoch skip the second factor in a step-up under the floor', async () => {
      const user = await createUser(kontor);
      const { agent } = await passwordSession(user);
      const { secret } = await enrolTotp(kontor, user);
      const request = await authorizationRequest(floored, { acr_values: BSI_ACR.hoch });
      const page = await open(agent, request.url);
      expect(page.status).toBe(200);
      const after = await submitForm(agent, page, '/continue-below');
      expect(hasCode(after.location)).toBe(false);
      // Not the consent page after a login at niedrig: the app code is still missing.
      expect(after.body).toContain('id="totp-code"');
      // The app code is what the floor needs; with it, the portal gets substanziell.
      const claims = await idTokenClaims(floored, request, await callbackOf(agent, await submitCode(agent, after, 'totp', await totpAt(kontor, secret))));
      expect(claims.acr).toBe(BSI_ACR.substanziell);
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    });
  });

  describe('session limits with the system clock moving too', () => {
    // oidc-provider judges max_age and its own expiries by the system clock, Kontor's steps by its injected
    // one (which follows Date.now): both move together here (only Date is faked, and it keeps running), as
    // they do in production. Advancing kontor.clock alone leaves oidc-provider's checks behind.
    const NOT_DATE = [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ] as const;
    beforeEach(() => jest.useFakeTimers({ doNotFake: [...NOT_DATE], advanceTimers: true, now: Date.now() }));
    afterEach(() => jest.useRealTimers());
    const advance = (seconds: number) => jest.setSystemTime(Date.now() + seconds * 1000);

    it('ends a session kept in use after niedrig’s 12 h total: prompt=none then answers login_required', async () => {
      const user = await createUser(kontor);
      const { agent } = await passwordSession(user);
      for (let i = 0; i < 14; i += 1) {
        advance(50 * 60);
        await keepAlive(agent);
      }
      advance(25 * 60);
      const silent = await authorizationRequest(config, { prompt: 'none' });
      const response = await open(agent, silent.url);
      expect(new URL(response.location!, kontor.url).searchParams.get('error')).toBe('login_required');
      const page = await open(agent, (await authorizationRequest(config)).url);
      expect(page.body).toContain('name="password"');
    });

    it('honours max_age against the auth_time of the level the session fell back to', async () => {
      const user = await createUser(kontor);
      const { agent, passwordTime } = await passwordSession(user);
      const { secret } = await enrolTotp(kontor, user);
      // An hour of use at niedrig, then the step-up.
      for (let i = 0; i < 4; i += 1) {
        advance(15 * 60);
        await keepAlive(agent);
      }
      const stepUp = await authorizationRequest(config, { acr_values: BSI_ACR.substanziell });
      const stepUpPage = await open(agent, stepUp.url);
      const stepped = await idTokenClaims(config, stepUp, await callbackOf(agent, await submitCode(agent, stepUpPage, 'totp', await totpAt(kontor, secret))));
      expect(stepped.acr).toBe(BSI_ACR.substanziell);
      // Kept in use within substanziell's limits (30 min idle, 2 h total), last at 1 h 56 min…
      for (let i = 0; i < 4; i += 1) {
        advance(29 * 60);
        await keepAlive(agent);
      }
      // …then past its 2 h: the session falls back to the password, an hour older.
      advance(5 * 60);
      const maxAge = 2 * 3600 + 10 * 60;
      expect(nowSeconds() - stepped.auth_time!).toBeGreaterThan(2 * 3600);
      expect(nowSeconds() - stepped.auth_time!).toBeLessThan(maxAge - 120);
      expect(nowSeconds() - passwordTime).toBeGreaterThan(maxAge + 120);

      const request = await authorizationRequest(config, { max_age: String(maxAge) });
      const page = await open(agent, request.url);
      // OIDC Core §3.1.2.1: the login the session stands on now is older than max_age: authenticate again.
      expect(hasCode(page.location)).toBe(false);
      expect(page.body).toContain('name="password"');
    });
  });

  describe('the second factor cannot be replaced or outrun with the password alone', () => {
    async function afterPassword(user: TestUser) {
      const agent = new BrowserAgent(kontor.url);
      const request = await authorizationRequest(config);
      const page = await submitLogin(agent, await open(agent, request.url), user.email, user.password);
      expect(page.body).toContain('id="totp-code"');
      const uid = new URL(page.url).pathname.split('/')[2]!;
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)![1]!;
      return { agent, request, page, uid, csrf };
    }

    it('ignores the enrolment routes at the second-factor step: no new app with the password alone, the real app still counts', async () => {
      const user = await createUser(kontor);
      const { secret } = await enrolTotp(kontor, user);
      const { agent, request, page, uid, csrf } = await afterPassword(user);
      const back = `/interaction/${uid}`;
      const show = await agent.get(`${back}/enrol/totp`);
      expect([show.status, new URL(show.location!, kontor.url).pathname]).toEqual([303, back]);
      for (const [path, fields] of [
        ['/enrol/totp', { code: '123456' }],
        ['/enrol/email', {}],
        ['/enrol/email/confirm', { code: '123456' }],
      ] as const) {
        const posted = await agent.post(`${back}${path}`, { csrf_token: csrf, ...fields });
        expect([path, posted.status, new URL(posted.location!, kontor.url).pathname]).toEqual([path, 303, back]);
      }
      expect((await agent.post(`${back}/enrol/continue`, { csrf_token: csrf })).status).toBe(400);
      expect(await kontor.container.secondFactors.pendingTotpEnrolment(user.accountId, user.email)).toBeNull();
      const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret))));
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    });

    it('counts wrong codes of every method against one delay: alternating app and recovery codes is throttled too', async () => {
      const user = await createUser(kontor);
      const { secret } = await enrolTotp(kontor, user);
      const { agent, page } = await afterPassword(user);
      const right = await totpAt(kontor, secret);
      const wrong = right === '000000' ? '111111' : '000000';
      let current = page;
      for (let attempt = 1; attempt <= FAILURES_BEFORE_DELAY; attempt += 1) {
        current = attempt % 2 ? await submitCode(agent, current, 'totp', wrong) : await submitCode(agent, current, 'recovery_code', 'AAAAA-AAAAA');
        expect(current.status).toBe(401);
      }
      const throttled = await submitCode(agent, current, 'totp', right);
      expect(throttled.status).toBe(429);
    });
  });

  describe('prompt=none', () => {
    it('answers login_required at the portal when the session is below the requested level, never a page', async () => {
      const user = await createUser(kontor);
      const { agent } = await passwordSession(user);
      await enrolTotp(kontor, user);
      const request = await authorizationRequest(config, { prompt: 'none', acr_values: BSI_ACR.substanziell });
      const response = await open(agent, request.url);
      expect(response.status).toBe(303);
      const callback = new URL(response.location!, kontor.url);
      expect(callback.searchParams.get('error')).toBe('login_required');
      expect(callback.searchParams.has('code')).toBe(false);
    });

    it('answers login_required after the password of an account with an app, before its code', async () => {
      const user = await createUser(kontor);
      await enrolTotp(kontor, user);
      const agent = new BrowserAgent(kontor.url);
      const first = await authorizationRequest(config);
      const second = await submitLogin(agent, await open(agent, first.url), user.email, user.password);
      expect(second.body).toContain('id="totp-code"');
      // Another portal (or a second tab) asks silently right after the password: no session exists yet.
      const silent = await authorizationRequest(floored, { prompt: 'none' });
      const response = await open(agent, silent.url);
      expect(new URL(response.location!, kontor.url).searchParams.get('error')).toBe('login_required');
      // …and an SSO request with a page asks for the password, not only the code.
      const sso = await authorizationRequest(config);
      expect((await open(agent, sso.url)).body).toContain('name="password"');
    });
  });
});
