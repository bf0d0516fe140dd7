import type * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, open, registerClient, type TestUser } from './helpers/relying-party.ts';
import type { CreateClientInput } from '../src/clients/index.ts';
import { agree, callbackOf, loginToConsent, redeem } from './helpers/consent.ts';

describe('consent every time, remembered, first party', () => {
  let kontor: TestKontor;
  let user: TestUser;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    user = await createUser(kontor);
  });
  afterAll(() => kontor?.stop());

  const portal = async (input: Partial<CreateClientInput> = {}): Promise<oidc.Configuration> => {
    const client = await registerClient(kontor, input);
    return discover(kontor, client.clientId, client.clientSecret);
  };

  /** Logs in, agrees, and then asks the same client again in the same browser session. */
  const secondAuthorization = async (config: oidc.Configuration) => {
    const agent = new BrowserAgent(kontor.url);
    const first = await authorizationRequest(config);
    const consent = await loginToConsent(agent, first, user);
    expect(consent.body).toContain('/consent');
    callbackOf(await agree(agent, consent));
    const request = await authorizationRequest(config);
    return { agent, request, page: await open(agent, request.url) };
  };

  it('asks again on every authorization by default ("einmalige Weitergabe")', async () => {
    const { page } = await secondAuthorization(await portal());
    expect(page.status).toBe(200);
    expect(page.body).toContain('/consent');
    expect(page.body).toContain('nur für diese eine Weitergabe');
  });

  it('asks again with prompt=none only by consent_required (no silent release)', async () => {
    const config = await portal();
    const { agent } = await secondAuthorization(config);
    const silent = await open(agent, (await authorizationRequest(config, { prompt: 'none' })).url);
    expect(new URL(silent.location!).searchParams.get('error')).toBe('consent_required');
  });

  it('reuses a remembered consent until it is revoked: the second authorization goes straight back', async () => {
    const config = await portal({ consent: 'remembered' });
    const { request, page } = await secondAuthorization(config);
    const callback = callbackOf(page);
    const { userinfo } = await redeem(config, request, callback);
    expect(userinfo.given_name).toBe('Erika');
  });

  it('keeps what the person unticked in a remembered consent', async () => {
    const config = await portal({ consent: 'remembered' });
    const agent = new BrowserAgent(kontor.url);
    const consent = await loginToConsent(agent, await authorizationRequest(config), user);
    expect(consent.body).toContain('bis Sie sie unter');
    callbackOf(await agree(agent, consent, ['family_name']));
    const request = await authorizationRequest(config);
    const { userinfo } = await redeem(config, request, callbackOf(await open(agent, request.url)));
    expect(userinfo.given_name).toBe('Erika');
    expect(userinfo).not.toHaveProperty('family_name');
  });

  it('shows no consent page to a first-party client and releases what it asked for', async () => {
    const config = await portal({ firstParty: true });
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const afterLogin = await loginToConsent(agent, request, user);
    const { userinfo } = await redeem(config, request, callbackOf(afterLogin));
    expect(userinfo).toMatchObject({ given_name: 'Erika', family_name: 'Mustermann', email: user.email });
    // And again, from the session, with prompt=none.
    const silent = await authorizationRequest(config, { prompt: 'none' });
    const again = await redeem(config, silent, callbackOf(await open(agent, silent.url)));
    expect(again.userinfo.email).toBe(user.email);
  });
});
