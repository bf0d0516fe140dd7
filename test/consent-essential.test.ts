import type * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, open, registerClient, type TestUser } from './helpers/relying-party.ts';
import type { CreateClientInput } from '../src/clients/index.ts';
import { agree, callbackOf, loginToConsent, press, textOf } from './helpers/consent.ts';

const essential = (member: 'id_token' | 'userinfo', ...claims: string[]) =>
  JSON.stringify({ [member]: Object.fromEntries(claims.map((claim) => [claim, { essential: true }])) });

describe('essential claims that cannot be released', () => {
  let kontor: TestKontor;
  let user: TestUser;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    user = await createUser(kontor);
  });
  afterAll(() => kontor?.stop());

  const portal = async (input: Partial<CreateClientInput> = {}): Promise<oidc.Configuration> => {
    const client = await registerClient(kontor, { name: 'Elterngeld digital', purpose: 'Antrag auf Elterngeld', ...input });
    return discover(kontor, client.clientId, client.clientSecret);
  };

  it('tells the person which data is missing, then sends access_denied naming the claim', async () => {
    const config = await portal();
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, { claims: essential('id_token', 'birthdate') });
    const page = await loginToConsent(agent, request, user);
    expect(page.status).toBe(200);
    const text = textOf(page);
    expect(text).toContain('„Elterngeld digital“ braucht Daten, die nicht übermittelt werden können');
    expect(text).toContain('Geburtsdatum: Diese Angabe ist in Ihrem Servicekonto nicht hinterlegt.');
    expect(text).toContain('Antrag auf Elterngeld');
    // Nothing to agree to: the only way on is back to the portal.
    expect(page.body).not.toContain('/consent"');
    const callback = callbackOf(await press(agent, page, '/abort'));
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('essential claims cannot be released: birthdate (missing)');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('names the level when the portal requires more than the attribute or the login has', async () => {
    const config = await portal({ claimLevels: ['given_name=substanziell'] });
    const agent = new BrowserAgent(kontor.url);
    const page = await loginToConsent(agent, await authorizationRequest(config, { claims: essential('userinfo', 'given_name') }), user);
    expect(textOf(page)).toContain('Vorname: Der Dienst verlangt für diese Angabe das Vertrauensniveau substanziell');
    const callback = callbackOf(await press(agent, page, '/abort'));
    expect(callback.searchParams.get('error_description')).toBe('essential claims cannot be released: given_name (below_level)');
  });

  it('withholds an essential claim the portal is not registered for like any other (its registration, not the person’s data)', async () => {
    const config = await portal({ claims: ['given_name', 'email'] });
    const agent = new BrowserAgent(kontor.url);
    const page = await loginToConsent(agent, await authorizationRequest(config, { claims: essential('userinfo', 'family_name') }), user);
    expect(textOf(page)).toContain('Familienname: wird nicht übermittelt. Der Dienst ist für diese Angabe nicht zugelassen.');
    expect(page.body).toContain('/consent"');
  });

  it('refuses a forged agreement on that page', async () => {
    const config = await portal();
    const agent = new BrowserAgent(kontor.url);
    const page = await loginToConsent(agent, await authorizationRequest(config, { claims: essential('id_token', 'birthdate') }), user);
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const uid = /\/interaction\/([^/]+)\/abort/.exec(page.body)?.[1];
    const forged = await agent.post(`${kontor.url}/interaction/${uid}/consent`, { csrf_token: csrf });
    expect(forged.status).toBe(400);
  });

  it('also stops a remembered consent, and prompt=none gets access_denied at once', async () => {
    const config = await portal({ consent: 'remembered' });
    const agent = new BrowserAgent(kontor.url);
    callbackOf(await agree(agent, await loginToConsent(agent, await authorizationRequest(config), user)));
    const page = await open(agent, (await authorizationRequest(config, { claims: essential('id_token', 'birthdate') })).url);
    expect(textOf(page)).toContain('Geburtsdatum: Diese Angabe ist in Ihrem Servicekonto nicht hinterlegt.');
    const silent = await open(agent, (await authorizationRequest(config, { prompt: 'none', claims: essential('id_token', 'birthdate') })).url);
    const callback = callbackOf(silent);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('essential claims cannot be released: birthdate (missing)');
  });

  it('also stops a first-party client (no consent page, but this one)', async () => {
    const config = await portal({ firstParty: true });
    const agent = new BrowserAgent(kontor.url);
    const page = await loginToConsent(agent, await authorizationRequest(config, { claims: essential('userinfo', 'birthdate') }), user);
    expect(textOf(page)).toContain('Geburtsdatum: Diese Angabe ist in Ihrem Servicekonto nicht hinterlegt.');
  });
});
