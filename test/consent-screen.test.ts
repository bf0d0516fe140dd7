import type * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, registerClient, REDIRECT_URI, type TestUser } from './helpers/relying-party.ts';
import { agree, callbackOf, loginToConsent, press, redeem, textOf } from './helpers/consent.ts';

describe('the consent screen', () => {
  let kontor: TestKontor;
  let user: TestUser;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    user = await createUser(kontor);
    const client = await registerClient(kontor, {
      name: 'Bürgerportal Musterstadt',
      organisation: 'Stadt Musterstadt, Bürgeramt',
      address: 'Marktplatz 1\n12345 Musterstadt',
      purpose: 'Bearbeitung Ihres Antrags auf einen Anwohnerparkausweis',
      logoUri: 'https://portal.example.org/logo.png',
      policyUri: 'https://portal.example.org/datenschutz',
    });
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('names the portal and lists each claim with the value that will be sent and its trust level', async () => {
    const agent = new BrowserAgent(kontor.url);
    const page = await loginToConsent(agent, await authorizationRequest(config), user);
    expect(page.status).toBe(200);
    const text = textOf(page);
    expect(text).toContain('Bürgerportal Musterstadt');
    expect(text).toContain('Stadt Musterstadt, Bürgeramt');
    expect(page.body).toMatch(/Marktplatz 1<br>12345 Musterstadt/);
    expect(text).toContain('Bearbeitung Ihres Antrags auf einen Anwohnerparkausweis');
    expect(page.body).toContain('href="https://portal.example.org/datenschutz"');
    expect(page.body).toMatch(/<img src="https:\/\/portal\.example\.org\/logo\.png" alt="Logo von [^"]+Bürgerportal Musterstadt/);
    // The registered logo's origin is allowed by this page's CSP, and only there.
    expect(page.headers.get('content-security-policy')).toContain("img-src 'self' data: https://portal.example.org;");
    // Each claim as a table row: label (with its checkbox: all optional here), value, level.
    expect(page.body).toMatch(/<table class="consent-claims">/);
    expect(page.body).toMatch(/<input type="checkbox" id="claim-given_name" name="share_given_name" value="1" checked/);
    expect(page.body).toMatch(/<label for="claim-given_name">Vorname/);
    expect(page.body).toMatch(/id="claim-given_name-value" class="value">Erika<\/td>\s*<td>Basisregistrierung \(selbst eingegeben\)<\/td>/);
    expect(page.body).toMatch(/id="claim-family_name-value" class="value">Mustermann<\/td>/);
    expect(page.body).toContain(`id="claim-email-value" class="value">${user.email}</td>`);
    expect(text).toContain('Zustimmen und fortfahren');
    expect(text).toContain('Ablehnen');
  });

  it('shows a requested claim the portal is not registered for as not sent, without a checkbox, and never sends it', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, { claims: JSON.stringify({ userinfo: { address: null, birthdate: null } }) });
    const page = await loginToConsent(agent, request, user);
    const text = textOf(page);
    expect(text).toContain('Anschrift: wird nicht übermittelt. Der Dienst ist für diese Angabe nicht zugelassen.');
    expect(text).toContain('Geburtsdatum: wird nicht übermittelt. Diese Angabe ist in Ihrem Servicekonto nicht hinterlegt.');
    expect(page.body).not.toContain('name="share_address"');
    const { userinfo } = await redeem(config, request, callbackOf(await agree(agent, page)));
    expect(userinfo).not.toHaveProperty('address');
  });

  it('sends what the person agreed to: all ticked claims in userinfo', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const callback = callbackOf(await agree(agent, await loginToConsent(agent, request, user)));
    const { userinfo } = await redeem(config, request, callback);
    expect(userinfo).toMatchObject({ given_name: 'Erika', family_name: 'Mustermann', email: user.email });
  });

  it('withholds an optional claim the person unticked from the ID token and userinfo', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, {
      // Asked for in both members: it would be in the ID token too (OIDC Core §5.5).
      claims: JSON.stringify({ id_token: { family_name: null, given_name: null }, userinfo: { family_name: null } }),
    });
    const callback = callbackOf(await agree(agent, await loginToConsent(agent, request, user), ['family_name']));
    const { idToken, userinfo } = await redeem(config, request, callback);
    expect(idToken.given_name).toBe('Erika');
    expect(idToken).not.toHaveProperty('family_name');
    expect(userinfo).not.toHaveProperty('family_name');
    expect(userinfo.given_name).toBe('Erika');
    expect(userinfo.email).toBe(user.email);
  });

  it('sends access_denied and no code when the person declines', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config);
    const callback = callbackOf(await press(agent, await loginToConsent(agent, request, user), '/abort'));
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('marks essential claims as required, without a checkbox, and refuses to let them be unticked', async () => {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, { claims: JSON.stringify({ userinfo: { given_name: { essential: true } } }) });
    const page = await loginToConsent(agent, request, user);
    expect(page.body).not.toContain('name="share_given_name"');
    expect(page.body).toMatch(/Vorname<\/span> <span class="required-mark">\(erforderlich\)/);
    // A forged form without the essential claim still sends it: only optional claims can be unticked.
    const callback = callbackOf(await agree(agent, page, ['given_name', 'email']));
    const { userinfo } = await redeem(config, request, callback);
    expect(userinfo.given_name).toBe('Erika');
    expect(userinfo).not.toHaveProperty('email');
  });
});
