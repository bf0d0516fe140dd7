import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, open, registerClient, submitLogin, REDIRECT_URI } from './helpers/relying-party.ts';
import { callbackOf, enrolTotp, idTokenClaims, submitCode, submitForm, textOf, totpAt } from './helpers/step-up.ts';
import { BSI_ACR, EIDAS_ACR } from '../src/trust/index.ts';

/** Every alias Kontor accepts, by the level it needs (TRUST-AND-CLAIMS.md; eIDAS low needs substanziell). */
const NIEDRIG = [BSI_ACR.niedrig, 'STORK-QAA-Level-1', 'STORK-QAA-Level-2'];
const SUBSTANZIELL = [BSI_ACR.substanziell, EIDAS_ACR.low, EIDAS_ACR.substantial, 'STORK-QAA-Level-3'];
const HOCH = [BSI_ACR.hoch, EIDAS_ACR.high, 'STORK-QAA-Level-4'];

/** The three ways a portal asks for a level: acr_values (voluntary), claims voluntary, claims essential (OIDC Core §5.5.1.1). */
const WAYS = {
  acr_values: (value: string) => ({ acr_values: value }),
  'claims, voluntary': (value: string) => ({ claims: JSON.stringify({ id_token: { acr: { values: [value] } } }) }),
  'claims, essential': (value: string) => ({ claims: JSON.stringify({ id_token: { acr: { essential: true, values: [value] } } }) }),
} as const;
type Way = keyof typeof WAYS;
const cases = (values: string[]) => values.flatMap((value) => (Object.keys(WAYS) as Way[]).map((way) => [value, way] as const));

describe('trust levels requested by the portal, echoed in its vocabulary', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    const settings = { ...ROOMY_RATE_LIMITS, rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, secondFactorPerIp: { limit: 1000, windowSeconds: 3600 } } };
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(settings) });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it.each(cases(NIEDRIG))('%s by %s: a password login meets it and the value comes back', async (value, way) => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, WAYS[way](value));
    const page = await open(agent, request.url);
    expect(page.body).toContain('name="password"');
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitLogin(agent, page, user.email, user.password)));
    expect(claims.acr).toBe(value);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.sk_authn_means).toBe('Benutzername');
    expect(typeof claims.auth_time).toBe('number');
  });

  it.each(cases(SUBSTANZIELL))('%s by %s: password + app code meets it and the value comes back', async (value, way) => {
    const user = await createUser(kontor);
    const { secret } = await enrolTotp(kontor, user);
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, WAYS[way](value));
    const second = await submitLogin(agent, await open(agent, request.url), user.email, user.password);
    expect(textOf(second)).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, second, 'totp', await totpAt(kontor, secret))));
    expect(claims.acr).toBe(value);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.sk_authn_means).toBe('Benutzername');
  });

  it.each(cases(HOCH))('%s by %s: the person is told before anything is asked, then the portal hears of it', async (value, way) => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, WAYS[way](value));
    const notice = await open(agent, request.url);
    expect(notice.status).toBe(200);
    expect(notice.body).not.toContain('name="password"');
    const text = textOf(notice);
    expect(text).toContain('Dieser Dienst verlangt das Vertrauensniveau hoch. Damit können Sie sich hier (noch) nicht anmelden.');
    expect(text).toContain('Online-Ausweis');
    if (way === 'claims, essential') {
      expect(text).toContain('Zurück zu „Testportal“');
      expect(notice.body).not.toContain('/continue-below');
      const back = await submitForm(agent, notice, '/refuse');
      const callback = new URL(back.location!);
      expect(callback.href.startsWith(REDIRECT_URI)).toBe(true);
      expect(callback.searchParams.get('error')).toBe('unmet_authentication_requirements');
      expect(callback.searchParams.get('error_description')).toContain(value);
      expect(callback.searchParams.get('state')).toBe(request.state);
    } else {
      // Voluntary: go on at the level the person can reach; the portal gets the BSI value of that level.
      expect(text).toContain('Mit Vertrauensniveau niedrig fortfahren');
      expect(notice.body).toContain('/abort');
      const login = await submitForm(agent, notice, '/continue-below');
      expect(login.body).toContain('name="password"');
      const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitLogin(agent, login, user.email, user.password)));
      expect(claims.acr).toBe(BSI_ACR.niedrig);
      expect(claims.amr).toEqual(['pwd']);
    }
  });

  it('does not count a password as eIDAS low: a password session is asked for the second factor', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const plain = await authorizationRequest(config);
    await callbackOf(agent, await submitLogin(agent, await open(agent, plain.url), user.email, user.password));
    const { secret } = await enrolTotp(kontor, user);
    const request = await authorizationRequest(config, { acr_values: EIDAS_ACR.low });
    const page = await open(agent, request.url);
    // Not the portal: a page asking for the missing step.
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="totp-code"');
    expect(page.body).not.toContain('name="password"');
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret))));
    expect(claims.acr).toBe(EIDAS_ACR.low);
  });

  it('echoes the first value the login satisfies, in the order the portal listed them', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, { acr_values: `${EIDAS_ACR.low} STORK-QAA-Level-2 ${BSI_ACR.niedrig}` });
    const page = await open(agent, request.url);
    // A voluntary list whose lowest value a password meets: no step-up, the first value met comes back.
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitLogin(agent, page, user.email, user.password)));
    expect(claims.acr).toBe('STORK-QAA-Level-2');
  });

  it('names the level in English with the English term beside the German one', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, {
      ui_locales: 'en',
      claims: JSON.stringify({ id_token: { acr: { essential: true, value: BSI_ACR.hoch } } }),
    });
    const text = textOf(await open(agent, request.url));
    expect(text).toContain('This service requires the trust level hoch (‘high’).');
    expect(text).toContain('Back to “Testportal”');
  });
});
