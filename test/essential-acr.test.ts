import * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
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
  type TestUser,
} from './helpers/relying-party.ts';
import { BSI_ACR } from '../src/trust/index.ts';

const essentialAcr = (values: string[]) => JSON.stringify({ id_token: { acr: { essential: true, values } } });

describe('an essential acr the login cannot reach', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;
  let user: TestUser;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
    user = await createUser(kontor);
  });
  afterAll(() => kontor?.stop());

  function expectUnmet(location: string | null, state: string): void {
    expect(location?.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    const callback = new URL(location!);
    expect(callback.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(callback.searchParams.get('error_description')).toContain(BSI_ACR.niedrig);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('code')).toBeNull();
  }

  it('answers the portal with unmet_authentication_requirements after the password login instead of asking again', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, { claims: essentialAcr([BSI_ACR.hoch]) });
    const page = await open(agent, request.url);
    expect(page.body).toContain('name="password"');
    const next = await submitLogin(agent, page, user.email, user.password);
    expectUnmet(next.location, request.state);
  });

  it('answers with the error too when the browser already has a session at a lower level', async () => {
    const agent = new BrowserAgent(kontor.url);
    await loginAndConsent(agent, await authorizationRequest(config), user);
    const request = await authorizationRequest(config, { claims: essentialAcr([BSI_ACR.substanziell, BSI_ACR.hoch]) });
    const page = await open(agent, request.url);
    expect(page.body).toContain('name="password"');
    expectUnmet((await submitLogin(agent, page, user.email, user.password)).location, request.state);
  });

  it('logs in as usual when the essential acr is the one a password login reaches', async () => {
    const request = await authorizationRequest(config, { claims: essentialAcr([BSI_ACR.niedrig, BSI_ACR.hoch]) });
    const callback = await loginAndConsent(new BrowserAgent(kontor.url), request, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()?.acr).toBe(BSI_ACR.niedrig);
  });
});
