import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  loginAndConsent,
  open,
  registerClient,
  submitLogin,
  REDIRECT_URI,
  type AuthorizationRequest,
} from './helpers/relying-party.ts';
import { callbackOf, enrolTotp, idTokenClaims, submitCode, textOf, totpAt } from './helpers/step-up.ts';
import { parseForms } from './helpers/browser-agent.ts';
import { BSI_ACR, EIDAS_ACR } from '../src/trust/index.ts';

const essentialAcr = (values: string[]) => JSON.stringify({ id_token: { acr: { essential: true, values } } });

/** Follows redirects one by one, counting every request, until a page or the portal's redirect URI. */
async function countedFollow(agent: BrowserAgent, first: AgentResponse): Promise<{ response: AgentResponse; requests: number }> {
  let response = first;
  let requests = 1;
  while (response.location) {
    const next = new URL(response.location, response.url).href;
    if (next.startsWith(REDIRECT_URI)) break;
    if (requests > 20) throw new Error(`redirect loop: ${next}`);
    response = await agent.get(next);
    requests += 1;
  }
  return { response, requests };
}

/** Opens the request, expects the level notice, presses its one button back; the portal's callback and the requests it took. */
async function toldThenRefused(agent: BrowserAgent, request: AuthorizationRequest) {
  const opened = await countedFollow(agent, await agent.get(request.url.href));
  const notice = opened.response;
  expect(notice.status).toBe(200);
  expect(notice.body).not.toContain('name="password"');
  expect(notice.body).not.toContain('/continue-below');
  const refuse = parseForms(notice.body).find((form) => form.action.endsWith('/refuse'))!;
  const back = await countedFollow(agent, await agent.post(refuse.action, refuse.fields));
  const callback = new URL(back.response.location!, back.response.url);
  expect(callback.href.startsWith(`${REDIRECT_URI}?`)).toBe(true);
  expect(callback.searchParams.get('error')).toBe('unmet_authentication_requirements');
  expect(callback.searchParams.get('state')).toBe(request.state);
  expect(callback.searchParams.get('code')).toBeNull();
  return { notice, callback, requests: opened.requests + back.requests };
}

describe('an essential acr the login cannot reach', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('tells the person first, then answers the portal with unmet_authentication_requirements: no loop, no password asked', async () => {
    const request = await authorizationRequest(config, { claims: essentialAcr([BSI_ACR.hoch]) });
    const { notice, callback, requests } = await toldThenRefused(new BrowserAgent(kontor.url), request);
    expect(textOf(notice)).toContain('Dieser Dienst verlangt das Vertrauensniveau hoch. Damit können Sie sich hier (noch) nicht anmelden.');
    expect(callback.searchParams.get('error_description')).toContain(BSI_ACR.hoch);
    // /auth → /interaction/:uid (the notice), then POST refuse → /auth/:uid (resume) → the portal.
    expect(requests).toBe(4);
  });

  it('tells a person with a session the same, without asking for anything first', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    const request = await authorizationRequest(config, { claims: essentialAcr([EIDAS_ACR.high]) });
    const { callback, requests } = await toldThenRefused(agent, request);
    expect(callback.searchParams.get('error_description')).toContain(EIDAS_ACR.high);
    expect(requests).toBe(4);
  });

  it('names an essential acr Kontor does not know, then refuses; a voluntary one is ignored', async () => {
    const unknown = 'urn:example:loa:platinum';
    const { notice, callback } = await toldThenRefused(new BrowserAgent(kontor.url), await authorizationRequest(config, { claims: essentialAcr([unknown]) }));
    expect(textOf(notice)).toContain('Dieser Dienst verlangt ein Vertrauensniveau, das dieses Servicekonto nicht kennt.');
    expect(textOf(notice)).toContain(`Angefordert: ${unknown}`);
    expect(callback.searchParams.get('error_description')).toContain(unknown);

    const user = await createUser(kontor);
    const voluntary = await authorizationRequest(config, { acr_values: unknown });
    const claims = await idTokenClaims(config, voluntary, await loginAndConsent(new BrowserAgent(kontor.url), voluntary, user));
    expect(claims.acr).toBe(BSI_ACR.niedrig);
  });

  it('logs in as usual when the essential acr is one a password login reaches', async () => {
    const user = await createUser(kontor);
    const request = await authorizationRequest(config, { claims: essentialAcr([BSI_ACR.niedrig, BSI_ACR.hoch]) });
    const claims = await idTokenClaims(config, request, await loginAndConsent(new BrowserAgent(kontor.url), request, user));
    expect(claims.acr).toBe(BSI_ACR.niedrig);
  });

  describe('the client’s default_acr_values as its floor', () => {
    /** A client registered with a floor, as `client create --default-acr` registers it. */
    async function clientWithFloor(values: string[]) {
      const client = await registerClient(kontor, { defaultAcrValues: values });
      return discover(kontor, client.clientId, client.clientSecret);
    }

    it('asks for the second factor when the portal names no level, and emits the floor’s level', async () => {
      const floored = await clientWithFloor([BSI_ACR.substanziell]);
      const user = await createUser(kontor);
      const { secret } = await enrolTotp(kontor, user);
      const agent = new BrowserAgent(kontor.url);
      const request = await authorizationRequest(floored);
      const second = await submitLogin(agent, await open(agent, request.url), user.email, user.password);
      expect(textOf(second)).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
      // The floor binds like an essential request: no way around it.
      expect(second.body).not.toContain('/continue-below');
      const claims = await idTokenClaims(floored, request, await callbackOf(agent, await submitCode(agent, second, 'totp', await totpAt(kontor, secret))));
      expect(claims.acr).toBe(BSI_ACR.substanziell);
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    });

    it('keeps the floor when the portal asks for less: a password session is stepped up, not let through', async () => {
      const floored = await clientWithFloor([EIDAS_ACR.substantial]);
      const user = await createUser(kontor);
      const agent = new BrowserAgent(kontor.url);
      await loginAndConsent(agent, await authorizationRequest(config), user);
      const { secret } = await enrolTotp(kontor, user);
      const request = await authorizationRequest(floored, { acr_values: BSI_ACR.niedrig });
      const page = await open(agent, request.url);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('name="password"');
      expect(page.body).not.toContain('/continue-below');
      expect(textOf(page)).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
      const claims = await idTokenClaims(floored, request, await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret))));
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    });
  });
});

describe('a deployment that keeps password + second factor at niedrig', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, secondFactor: { level: 'niedrig' } }) });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('says substanziell is beyond its methods and refuses an essential request after a session at niedrig', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    const request = await authorizationRequest(config, { claims: essentialAcr([BSI_ACR.substanziell]) });
    const { notice, callback, requests } = await toldThenRefused(agent, request);
    expect(textOf(notice)).toContain('Mit den Anmeldeverfahren dieses Servicekontos erreichen Sie höchstens das Vertrauensniveau niedrig.');
    expect(callback.searchParams.get('error_description')).toContain(BSI_ACR.substanziell);
    expect(requests).toBe(4);
  });
});
