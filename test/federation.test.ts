import * as oidc from 'openid-client';
import { BrowserAgent } from './helpers/browser-agent.ts';
import { atUpstream, EIDAS, followAll, portal, startFederation, submitForm, toUpstream, UPSTREAM_ID, type FederationSetup } from './helpers/federation.ts';
import { createUser, POST_LOGOUT_URI, REDIRECT_URI } from './helpers/relying-party.ts';
import { formEndingWith } from './helpers/browser-agent.ts';
import type { AuditType } from '../src/audit/index.ts';

// Login with another state's service account (issue 18): Kontor federating to an example upstream OpenID
// provider that runs in its own process with its own port and keys, openid-client as the portal.

const person = (username: string, acr: string, claims: Record<string, unknown>, amr = ['pwd']) => ({
  username,
  password: `${username}-Pass-1`,
  sub: `sub-${username}`,
  acr,
  amr,
  claims: { email_verified: true, ...claims },
});

const anna = person('anna', EIDAS.substantial, { given_name: 'Anna', family_name: 'Nord', email: 'anna.nord@example.org', birthdate: '1990-01-31' }, [
  'pwd',
  'otp',
]);
const hanna = person('hanna', EIDAS.high, { given_name: 'Hanna', family_name: 'Hoch', email: 'hanna@example.org' }, ['hwk', 'mfa']);
const lena = person('lena', EIDAS.low, { given_name: 'Lena', family_name: 'Low', email: 'lena@example.org' });
const carla = person('carla', EIDAS.substantial, { given_name: 'Carla', family_name: 'Copy', email: 'carla.local@example.org' });
const bert = person('bert', EIDAS.substantial, { given_name: 'Bert', family_name: 'Bund', email: 'bert.upstream@example.org' });
const olga = person('olga', EIDAS.substantial, { given_name: 'Olga', family_name: 'Out', email: 'olga@example.org' });
const paul = person('paul', EIDAS.substantial, { given_name: 'Paul', family_name: 'Plus', email: 'paul@example.org' });
const lotte = person('lotte', EIDAS.substantial, { given_name: 'Lotte', family_name: 'Lock', email: 'lotte@example.org' });
const nina = person('nina', 'urn:unknown:acr', { given_name: 'Nina', family_name: 'Nix', email: 'nina@example.org' });

describe("login with another state's service account", () => {
  let setup: FederationSetup;

  beforeAll(async () => {
    setup = await startFederation([anna, hanna, lena, carla, bert, olga, nina, paul, lotte]);
  });
  afterAll(async () => setup?.stop());

  const finishAtPortal = async (agent: BrowserAgent, page: Awaited<ReturnType<typeof followAll>>) => {
    let next = page;
    if (next.status === 200 && next.body.includes('/consent')) next = await submitForm(agent, next, '/consent');
    if (!next.location?.startsWith(REDIRECT_URI)) throw new Error(`expected the portal's redirect, got ${next.status}: ${next.body.slice(0, 400)}`);
    return new URL(next.location);
  };

  const exchange = (config: oidc.Configuration, request: { codeVerifier: string; state: string; nonce: string }, callback: URL) =>
    oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });

  it('creates a federated account at the first arrival and finds it at the second; the session carries FINK and the mapped level', async () => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const first = await toUpstream(agent, config);
    const welcome = await atUpstream(agent, first.upstreamLogin, anna);
    expect(welcome.status).toBe(200);
    expect(welcome.body).toContain('anna.nord@example.org');
    expect(welcome.body).toContain('1990-01-31');
    // The terms must be accepted before anything is created.
    const refused = await submitForm(agent, welcome, '/federation/welcome');
    expect(refused.status).toBe(400);
    const done = await submitForm(agent, refused, '/federation/welcome', { consent_privacy: 'on' });
    const tokens = await exchange(config, first.request, await finishAtPortal(agent, done));
    const claims = tokens.claims()!;
    expect(claims.sk_authn_means).toBe('FINK');
    expect(claims.acr).toBe('http://bsi.bund.de/eID/LoA/substantiell');
    expect(claims.amr).toEqual(['pwd', 'otp']);

    const audit = await setup.kontor.container.audit.list(setup.kontor.container.db.orm.em, { type: 'federation.account_created' });
    expect(audit).toHaveLength(1);
    const accountId = audit[0]!.accountId!;

    // Second login, in a fresh browser: no first-arrival page, the same account.
    const again = new BrowserAgent(setup.issuer);
    const second = await toUpstream(again, config);
    const back = await atUpstream(again, second.upstreamLogin, anna);
    expect(back.body).not.toContain('/federation/welcome');
    const secondTokens = await exchange(config, second.request, await finishAtPortal(again, back));
    expect(secondTokens.claims()!.sub).toBe(claims.sub);
    const created = await setup.kontor.container.audit.list(setup.kontor.container.db.orm.em, { type: 'federation.account_created' });
    expect(created).toHaveLength(1);
    const attributes = await setup.kontor.container.db.orm.em
      .fork()
      .execute<Array<{ name: string; level: string; source: string; source_ref: string }>>(
        'select name, level, source, source_ref from account_attribute where account_id = ? order by name',
        [accountId],
      );
    expect(attributes.find((row) => row.name === 'given_name')).toEqual({
      name: 'given_name',
      level: 'substanziell',
      source: 'upstream',
      source_ref: UPSTREAM_ID,
    });
  });

  const em = () => setup.kontor.container.db.orm.em;
  const auditOf = (type: AuditType) => setup.kontor.container.audit.list(em(), { type });

  /** A first arrival through to the portal; returns the ID token claims. */
  const arrive = async (account: typeof anna, extra: Record<string, string> = {}) => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config, extra);
    let page = await atUpstream(agent, trip.upstreamLogin, account);
    if (page.body.includes('/federation/welcome')) page = await submitForm(agent, page, '/federation/welcome', { consent_privacy: 'on' });
    const tokens = await exchange(config, trip.request, await finishAtPortal(agent, page));
    return { agent, config, tokens, claims: tokens.claims()! };
  };

  it('refuses a locked account at the completion point, whichever way it proved itself (here: the upstream)', async () => {
    const { claims } = await arrive(lotte);
    const rows = await em()
      .fork()
      .execute<Array<{ account_id: string }>>(`select account_id from credential where type = 'federated' and identifier like ?`, ['% sub-lotte']);
    const accountId = rows[0]!.account_id;
    expect(claims.sub).toBeTruthy();
    await setup.kontor.container.accountLock.lock(accountId, { actor: 'self' });

    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const page = await atUpstream(agent, trip.upstreamLogin, lotte);
    expect(page.status).toBe(403);
    expect(page.body).toContain('/account/unlock/resend');
    expect(page.location ?? '').not.toContain(REDIRECT_URI);
  });

  it("links to an existing account only by explicit choice and that account's own password login", async () => {
    const local = await createUser(setup.kontor);
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const welcome = await atUpstream(agent, trip.upstreamLogin, bert);
    const login = await submitForm(agent, welcome, '/federation/link');
    expect(login.body).toContain('verknüpfen');
    const wrong = await submitForm(agent, login, '/login', { username: local.email, password: 'falsch-falsch-1' });
    expect(wrong.status).toBe(401);
    expect(await setup.kontor.container.credentials.accountOfFederated(setup.upstream.issuer, bert.sub)).toBeUndefined();
    const done = await submitForm(agent, wrong, '/login', { username: local.email, password: local.password });
    await exchange(config, trip.request, await finishAtPortal(agent, done));
    expect(await setup.kontor.container.credentials.accountOfFederated(setup.upstream.issuer, bert.sub)).toBe(local.accountId);
    expect((await auditOf('federation.linked')).map((event) => event.accountId)).toContain(local.accountId);
    // From now on the upstream login alone finds the local account.
    const { claims } = await arrive(bert);
    expect(claims.sk_authn_means).toBe('FINK');
    const linkedSub = (await submitLocal(local)).sub;
    expect(claims.sub).toBe(linkedSub);
  });

  /** A password login of a local account at a fresh portal-less flow: its sub at the same portal kind. */
  const submitLocal = async (local: { email: string; password: string }) => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const { authorizationRequest } = await import('./helpers/relying-party.ts');
    const request = await authorizationRequest(config);
    const loginPage = await followAll(agent, await agent.get(request.url.href));
    const page = await submitForm(agent, loginPage, '/login', { username: local.email, password: local.password });
    return (await exchange(config, request, await finishAtPortal(agent, page))).claims()!;
  };

  it('never links by e-mail: an upstream address taken here gets no account and no link, and says how to link', async () => {
    const local = await createUser(setup.kontor, { email: 'carla.local@example.org' });
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const welcome = await atUpstream(agent, trip.upstreamLogin, carla);
    expect(welcome.status).toBe(200);
    const tried = await submitForm(agent, welcome, '/federation/welcome', { consent_privacy: 'on' });
    expect(tried.status).toBe(409);
    expect(tried.body).toContain('nie anhand der E-Mail-Adresse');
    expect(tried.body).toContain('/federation/link');
    expect(await setup.kontor.container.credentials.accountOfFederated(setup.upstream.issuer, carla.sub)).toBeUndefined();
    expect((await setup.kontor.container.credentials.list(local.accountId)).map((credential) => credential.type)).toEqual(['password']);
  });

  it('maps the upstream acr to a level and never beyond the ceiling', async () => {
    const high = await arrive(hanna);
    expect(high.claims.acr).toBe('http://bsi.bund.de/eID/LoA/substantiell'); // eIDAS high, ceiling substanziell
    expect(high.claims.amr).toEqual(['hwk', 'mfa']);
    const low = await arrive(lena);
    expect(low.claims.acr).toBe('http://bsi.bund.de/eID/LoA/normal');
  });

  it('refuses an upstream login below what the portal asked for, and an acr the mapping does not know, with a clear page', async () => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config, { acr_values: 'http://bsi.bund.de/eID/LoA/substantiell' });
    // Kontor asked the upstream (acr_values) for the values that reach substanziell, and remembers them.
    const asked = await em().fork().execute<Array<{ asked_acr: string[] }>>('select asked_acr from federation_request order by created_at desc limit 1');
    expect(asked[0]!.asked_acr).toEqual([EIDAS.substantial, EIDAS.high]);
    const page = await atUpstream(agent, trip.upstreamLogin, lena);
    expect(page.status).toBe(403);
    expect(page.body).toContain('Vertrauensniveau nicht erreicht');
    expect(page.body).toMatch(/href="\/interaction\/[^"]+"/);
    const unknown = new BrowserAgent(setup.issuer);
    const second = await toUpstream(unknown, config);
    expect((await atUpstream(unknown, second.upstreamLogin, nina)).status).toBe(403);
    expect((await auditOf('login.federated_failed')).some((event) => event.details.reason === 'level_too_low')).toBe(true);
  });

  it('shows a way back when the person cancels upstream (access_denied)', async () => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const page = await submitForm(agent, trip.upstreamLogin, '/abort');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Anmeldung abgebrochen');
    const back = /href="(\/interaction\/[^"/]+)"/.exec(page.body)![1]!;
    expect((await agent.get(new URL(back, setup.issuer).href)).body).toContain('name="password"');
  });

  it('refuses a forged state, a replayed callback and a callback from another browser', async () => {
    const forged = await new BrowserAgent(setup.issuer).get(
      `${setup.issuer}/federation/testland/callback?code=abc&state=forged&iss=${encodeURIComponent(setup.upstream.issuer)}`,
    );
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('Anmeldung abgelaufen');

    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const consent = await submitForm(agent, trip.upstreamLogin, '/login', { username: anna.username, password: anna.password });
    const { formEndingWith } = await import('./helpers/browser-agent.ts');
    const form = formEndingWith(consent.body, '/consent');
    let response = await agent.post(new URL(form.action, consent.url).href, form.fields);
    while (response.location && !response.location.includes('/federation/testland/callback'))
      response = await agent.get(new URL(response.location, response.url).href);
    const callback = new URL(response.location!, response.url).href;
    // Another browser with the same callback URL: no binding cookie.
    expect((await new BrowserAgent(setup.issuer).get(callback)).status).toBe(400);
    // The stolen attempt used the request up: the rightful browser is refused too, and a replay as well.
    expect((await agent.get(callback)).status).toBe(400);
  });

  it('accepts the callback once: a replay of a good callback is refused', async () => {
    const { config } = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, config);
    const consent = await submitForm(agent, trip.upstreamLogin, '/login', { username: anna.username, password: anna.password });
    const { formEndingWith } = await import('./helpers/browser-agent.ts');
    const form = formEndingWith(consent.body, '/consent');
    let response = await agent.post(new URL(form.action, consent.url).href, form.fields);
    while (response.location && !response.location.includes('/federation/testland/callback'))
      response = await agent.get(new URL(response.location, response.url).href);
    const callback = new URL(response.location!, response.url).href;
    const first = await agent.get(callback);
    expect(first.status).toBe(303);
    const replay = await agent.get(callback);
    expect(replay.status).toBe(400);
  });

  it.each([
    ['a wrong nonce', { idTokenOverrides: { nonce: 'not-the-one-kontor-sent' } }],
    ['a token from the wrong issuer', { idTokenOverrides: { iss: 'http://127.0.0.1:9/evil' } }],
    ['a failing token endpoint', { tokenStatus: 500 }],
  ])('refuses %s with a clear page, never a 500', async (_name, behaviour) => {
    await setup.upstream.control(behaviour);
    try {
      const { config } = await portal(setup.kontor);
      const agent = new BrowserAgent(setup.issuer);
      const trip = await toUpstream(agent, config);
      const page = await atUpstream(agent, trip.upstreamLogin, anna);
      expect(page.status).toBe(502);
      expect(page.body).toContain('Anmeldung nicht möglich');
    } finally {
      await setup.upstream.control({});
    }
  });

  it('ends the Kontor session when the upstream logs the person out (back-channel) and refuses a forged logout token', async () => {
    await arrive(olga);
    const accountId = (await setup.kontor.container.credentials.accountOfFederated(setup.upstream.issuer, olga.sub))!;
    const sessions = () =>
      em().fork().execute<Array<{ n: string }>>(`select count(*) as n from oidc_payload where kind = 'Session' and account_id = ?`, [accountId]);
    expect(Number((await sessions())[0]!.n)).toBe(1);
    const forged = await fetch(`${setup.issuer}/federation/testland/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzdWItb2xnYSJ9.' }),
    });
    expect(forged.status).toBe(400);
    expect(await setup.upstream.endSessionsOf(olga.sub)).toBeGreaterThan(0);
    expect(Number((await sessions())[0]!.n)).toBe(0);
    expect((await auditOf('federation.logout_received')).length).toBeGreaterThan(0);
  });
});

describe('single sign-on into other portals', () => {
  const sofie = person('sofie', EIDAS.substantial, { given_name: 'Sofie', family_name: 'Solo', email: 'sofie@example.org' });

  /** A federated login at one portal, then the same browser at a second portal: the page Kontor shows there. */
  const secondPortal = async (setup: FederationSetup) => {
    const first = await portal(setup.kontor);
    const agent = new BrowserAgent(setup.issuer);
    const trip = await toUpstream(agent, first.config);
    const page = await submitForm(agent, await atUpstream(agent, trip.upstreamLogin, sofie), '/federation/welcome', { consent_privacy: 'on' });
    expect(page.status).toBe(200); // Kontor's consent page for the first portal
    await submitForm(agent, page, '/consent');
    const second = await portal(setup.kontor);
    const { authorizationRequest } = await import('./helpers/relying-party.ts');
    return followAll(agent, await agent.get((await authorizationRequest(second.config)).url.href));
  };

  it('gives SSO by default: the second portal asks only for consent', async () => {
    const setup = await startFederation([sofie]);
    try {
      const page = await secondPortal(setup);
      expect(page.body).toContain('/consent');
      expect(page.body).not.toContain('name="password"');
    } finally {
      await setup.stop();
    }
  });

  it('gives none with sso false: the second portal sends the person to the login again', async () => {
    const setup = await startFederation([sofie], { sso: false });
    try {
      const page = await secondPortal(setup);
      expect(page.body).toContain('name="password"');
      expect(page.body).toContain('/federation');
    } finally {
      await setup.stop();
    }
  });
});

describe('logout from Kontor', () => {
  it('ends the upstream session too (RP-initiated logout there) and returns to the portal', async () => {
    const setup = await startFederation([paul]);
    try {
      const { config } = await portal(setup.kontor);
      const agent = new BrowserAgent(setup.issuer);
      const trip = await toUpstream(agent, config);
      let page = await atUpstream(agent, trip.upstreamLogin, paul);
      page = await submitForm(agent, page, '/federation/welcome', { consent_privacy: 'on' });
      if (page.status === 200) page = await submitForm(agent, page, '/consent');
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location!), {
        pkceCodeVerifier: trip.request.codeVerifier,
        expectedState: trip.request.state,
        expectedNonce: trip.request.nonce,
      });
      const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI });
      // Kontor ends its session and sends the browser to the upstream's end_session_endpoint.
      const ended = await agent.get(logout.href);
      expect(ended.status).toBe(303);
      expect(ended.location!.startsWith(`${setup.upstream.issuer}/session/end`)).toBe(true);
      const question = await agent.get(ended.location!);
      const form = formEndingWith(question.body, '/session/end/confirm');
      let back = await agent.post(new URL(form.action, question.url).href, { ...form.fields, logout: 'yes' });
      while (back.location && !back.location.startsWith(POST_LOGOUT_URI)) back = await agent.get(new URL(back.location, back.url).href);
      expect(back.location!.startsWith(POST_LOGOUT_URI)).toBe(true);
      // The upstream asks for the password again: its session is gone.
      const again = await toUpstream(agent, config);
      expect(again.upstreamLogin.body).toContain('name="password"');
    } finally {
      await setup.stop();
    }
  });
});

describe('an upstream that is down', () => {
  it('gives a clear page with a way back, and Kontor keeps running', async () => {
    const setup = await startFederation([anna]);
    try {
      await setup.upstream.kill();
      const { config } = await portal(setup.kontor);
      const agent = new BrowserAgent(setup.issuer);
      const { authorizationRequest } = await import('./helpers/relying-party.ts');
      const request = await authorizationRequest(config);
      const loginPage = await followAll(agent, await agent.get(request.url.href));
      const chooser = await agent.get(new URL(/href="([^"]*\/federation)"/.exec(loginPage.body)![1]!, loginPage.url).href);
      expect(chooser.status).toBe(200);
      const page = await submitForm(agent, chooser, '/federation', { upstream: 'testland' });
      expect(page.status).toBe(502);
      expect(page.body).toContain('nicht erreichbar');
      expect((await fetch(`${setup.issuer}/healthz`)).status).toBe(200);
    } finally {
      await setup.kontor.stop();
    }
  });
});
