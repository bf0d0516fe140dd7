import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, open, registerClient, submitLogin, type TestUser } from './helpers/relying-party.ts';
import { callbackOf, enrolTotp, idTokenClaims, submitCode, submitForm, textOf, totpAt } from './helpers/step-up.ts';
import { BSI_ACR } from '../src/trust/index.ts';

describe('step-up from a session at a lower level', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    // niedrig idles after 60 min here, so the substanziell idle limit (30 min) runs out first.
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, session: { idleMinutes: 60 } }) });
    // Remembered consent: these tests come back to the portal from the session without a consent page (issue 16).
    const client = await registerClient(kontor, { consent: 'remembered' });
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  const nowSeconds = () => Math.floor(kontor.clock.now().getTime() / 1000);

  /** A browser logged in with the password only (the account had no factor yet), then the app is added. */
  async function passwordSessionThenApp() {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const first = await idTokenClaims(
      config,
      request,
      await callbackOf(agent, await submitLogin(agent, await open(agent, request.url), user.email, user.password)),
    );
    expect(first.acr).toBe(BSI_ACR.niedrig);
    const { secret } = await enrolTotp(kontor, user);
    return { user, agent, secret, passwordTime: first.auth_time! };
  }

  /** Logs in with password and app code; returns the browser and the app's secret. */
  async function fullLogin(user: TestUser) {
    const { secret } = await enrolTotp(kontor, user);
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const page = await submitLogin(agent, await open(agent, request.url), user.email, user.password);
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret))));
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    return { agent, secret, fullTime: claims.auth_time! };
  }

  it('asks only for the missing second factor, says why, and answers at substanziell', async () => {
    const { agent, secret, passwordTime } = await passwordSessionThenApp();
    const request = await authorizationRequest(config, { acr_values: BSI_ACR.substanziell });
    const page = await open(agent, request.url);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('name="password"');
    const text = textOf(page);
    expect(text).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
    expect(text).toContain('Mit Ihrem Passwort haben Sie sich schon angemeldet. Es fehlt nur noch der zweite Faktor');
    expect(text).toContain('Mit Passwort angemeldet als Erika Mustermann');
    // A voluntary request (acr_values): the person may go on without the higher level.
    expect(page.body).toContain('/continue-below');

    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret))));
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.sk_authn_means).toBe('Benutzername');
    expect(claims.auth_time).toBeGreaterThan(passwordTime);
  });

  it('lets the person go on below a voluntary level: the portal gets the login as it is, at niedrig', async () => {
    const { agent, passwordTime } = await passwordSessionThenApp();
    const request = await authorizationRequest(config, { acr_values: BSI_ACR.substanziell });
    const page = await open(agent, request.url);
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitForm(agent, page, '/continue-below')));
    expect(claims.acr).toBe(BSI_ACR.niedrig);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.auth_time).toBe(passwordTime);
  });

  it('falls back to niedrig after the substanziell idle limit, the session still alive; substanziell then asks for the app only', async () => {
    const { agent, secret, fullTime } = await fullLogin(await createUser(kontor));
    kontor.clock.advance(31 * 60);

    // SSO without any question, at the level the password still holds (its auth_time, amr pwd).
    const sso = await authorizationRequest(config);
    const ssoResponse = await open(agent, sso.url);
    const atNiedrig = await idTokenClaims(config, sso, await callbackOf(agent, ssoResponse));
    expect(atNiedrig.acr).toBe(BSI_ACR.niedrig);
    expect(atNiedrig.amr).toEqual(['pwd']);
    expect(atNiedrig.auth_time).toBeLessThanOrEqual(fullTime);

    const request = await authorizationRequest(config, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: BSI_ACR.substanziell } } }) });
    const page = await open(agent, request.url);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('name="password"');
    expect(textOf(page)).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
    // Essential: no way around it on this page.
    expect(page.body).not.toContain('/continue-below');
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret))));
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(nowSeconds() - 5);
  });

  it('keeps substanziell within its limits: SSO at substanziell without a question', async () => {
    const { agent, fullTime } = await fullLogin(await createUser(kontor));
    kontor.clock.advance(10 * 60);
    const request = await authorizationRequest(config, { acr_values: BSI_ACR.substanziell });
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await open(agent, request.url)));
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    expect(claims.auth_time).toBe(fullTime);
  });

  it.each([
    ['max_age=0', { max_age: '0' }],
    ['prompt=login', { prompt: 'login' }],
  ])('%s asks for the password again, then the second factor, whatever the session holds', async (_name, extra) => {
    const user = await createUser(kontor);
    const { agent, secret, fullTime } = await fullLogin(user);
    kontor.clock.advance(60);
    const request = await authorizationRequest(config, extra);
    const page = await open(agent, request.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="password"');
    const second = await submitLogin(agent, page, user.email, user.password);
    expect(second.body).toContain('id="totp-code"');
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, second, 'totp', await totpAt(kontor, secret))));
    expect(claims.auth_time).toBeGreaterThan(fullTime);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});
