/**
 * Issue 19 item 5 through the login: the organisation step (chooser, remembered and changeable choice, the
 * access rule with its page and access_denied), the organisation reaching the tokens, and no organisation
 * query for a portal that does not ask for `sk_organisation`.
 */
import * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { clientWithRoles, memberOf, organisationWithAdmin } from './helpers/organisations.ts';
import { recordStatements } from './helpers/statements.ts';
import {
  authorizationRequest,
  BrowserAgent,
  createUser,
  discover,
  formEndingWith,
  open,
  submitConsent,
  submitLogin,
  type TestUser,
} from './helpers/relying-party.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';
import { enrolTotp, submitCode, totpAt } from './helpers/step-up.ts';

const ORG_SCOPE = 'openid profile sk_organisation';

describe('the organisation step of the login and the organisation in tokens (issue 19)', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  });
  afterAll(() => kontor?.stop());

  type Client = { clientId: string; clientSecret?: string };

  /** Starts an authorization at `client` in `agent`; the first page Kontor shows (or the redirect back). */
  async function start(agent: BrowserAgent, client: Client, extra: Record<string, string> = {}) {
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const request = await authorizationRequest(config, { scope: ORG_SCOPE, ...extra });
    return { config, request, page: await open(agent, request.url) };
  }

  /** Redeems the code of a redirect back to the portal; the ID token's claims and the userinfo response. */
  async function redeem(config: oidc.Configuration, request: Awaited<ReturnType<typeof authorizationRequest>>, callback: AgentResponse) {
    if (!callback.location) throw new Error(`expected the redirect back to the portal, got ${callback.status}: ${callback.body.slice(0, 3000)}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.location!, callback.url), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const idToken = tokens.claims()!;
    return { tokens, idToken, userinfo: await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub) };
  }

  const choose = async (agent: BrowserAgent, page: AgentResponse, organisationId: string) => {
    const form = formEndingWith(page.body, '/organisation');
    return agent.follow(await agent.post(form.action, { ...form.fields, organisation: organisationId }), (location) =>
      location.startsWith('http://127.0.0.1:4999'),
    );
  };
  const consentIfAsked = async (agent: BrowserAgent, page: AgentResponse) =>
    page.status === 200 && page.body.includes('/consent') ? submitConsent(agent, page) : page;

  /** A person who is a member of two organisations, both subscribed to `portal`, with different roles there. */
  async function personInTwo() {
    const a = await organisationWithAdmin(kontor);
    const b = await organisationWithAdmin(kontor);
    const person = await memberOf(kontor, a.organisationId, a.admin, a.input);
    const { joinRequests, subscriptions, assignments, groups } = kontor.container.organisations;
    const { requestId } = await joinRequests.request(person.accountId, {
      name: b.input.name,
      postalCode: b.input.postalCode,
      registerNumber: b.input.registerNumber,
    });
    await joinRequests.accept(b.admin.accountId, b.organisationId, requestId);
    const portal = await clientWithRoles(kontor, { idTokenClaims: true });
    const other = await clientWithRoles(kontor, { roles: [{ key: 'auditor', label: { de: 'Prüfer', en: 'Auditor' } }] });
    for (const org of [a, b]) {
      await subscriptions.subscribe(org.admin.accountId, org.organisationId, portal.clientId);
      await subscriptions.subscribe(org.admin.accountId, org.organisationId, other.clientId);
    }
    await assignments.assign(a.admin.accountId, a.organisationId, { accountId: person.accountId }, portal.clientId, ['trainer']);
    await assignments.assign(b.admin.accountId, b.organisationId, { accountId: person.accountId }, portal.clientId, ['trainee']);
    // Group-derived: B's group gives `viewer` for the portal and `auditor` for the other client.
    const { groupId } = await groups.create(b.admin.accountId, b.organisationId, 'Sachbearbeitung');
    await groups.addMember(b.admin.accountId, b.organisationId, groupId, person.accountId);
    await assignments.assign(b.admin.accountId, b.organisationId, { groupId }, portal.clientId, ['viewer']);
    await assignments.assign(b.admin.accountId, b.organisationId, { groupId }, other.clientId, ['auditor']);
    return { a, b, person, portal, other };
  }

  it('lets a person in two organisations pick one: only its roles for this client, remembered, changeable, bound to the login', async () => {
    const { a, b, person, portal } = await personInTwo();
    const agent = new BrowserAgent(kontor.url);
    const first = await start(agent, portal);
    const chooser = await submitLogin(agent, first.page, person.email, person.password);
    expect(chooser.status).toBe(200);
    expect(chooser.body).toContain('Für welche Organisation melden Sie sich an?');
    expect(chooser.body).toContain(a.input.name);
    expect(chooser.body).toContain(b.input.name);

    const consent = await choose(agent, chooser, b.organisationId);
    expect(consent.body).toContain(b.input.name); // the consent page shows the chosen organisation
    const atB = await redeem(first.config, first.request, await submitConsent(agent, consent));
    expect(atB.idToken).toMatchObject({ sk_org: { id: b.organisationId, name: b.input.name } });
    expect([...(atB.userinfo.sk_org_roles as string[])].sort()).toEqual(['trainee', 'viewer']);
    expect(JSON.stringify(atB.userinfo)).not.toMatch(/trainer|auditor/);

    // Remembered for this client: another browser's login goes straight on to the consent.
    const other = new BrowserAgent(kontor.url);
    const again = await start(other, portal);
    const next = await submitLogin(other, again.page, person.email, person.password);
    expect(next.body).not.toContain('/organisation"');
    const remembered = await redeem(again.config, again.request, await consentIfAsked(other, next));
    expect(remembered.userinfo.sk_org).toEqual({ id: b.organisationId, name: b.input.name });

    // Changeable: prompt=select_account offers the chooser again (SSO: no password), with B preselected.
    const change = await start(other, portal, { prompt: 'select_account' });
    expect(change.page.body).toContain('Für welche Organisation');
    expect(change.page.body).toMatch(new RegExp(`value="${b.organisationId}" checked`));
    const atA = await redeem(change.config, change.request, await consentIfAsked(other, await choose(other, change.page, a.organisationId)));
    expect(atA.userinfo).toMatchObject({ sk_org: { id: a.organisationId }, sk_org_roles: ['trainer'] });

    // The first browser's login chose B: its tokens keep B, although A is remembered now.
    const stillB = await oidc.fetchUserInfo(first.config, atB.tokens.access_token, atB.idToken.sub);
    expect(stillB).toMatchObject({ sk_org: { id: b.organisationId }, sk_org_roles: expect.arrayContaining(['trainee']) });
    expect(stillB.sk_org_roles).not.toContain('trainer');
  });

  it('comes after the second factor: password, code, then the chooser; the token has both', async () => {
    const { b, person, portal } = await personInTwo();
    const { secret } = await enrolTotp(kontor, person);
    const agent = new BrowserAgent(kontor.url);
    const { config, request, page } = await start(agent, portal);
    const codePage = await submitLogin(agent, page, person.email, person.password);
    expect(codePage.body).not.toContain('Für welche Organisation');
    const chooser = await submitCode(agent, codePage, 'totp', await totpAt(kontor, secret));
    expect(chooser.body).toContain('Für welche Organisation');
    const tokens = await redeem(config, request, await consentIfAsked(agent, await choose(agent, chooser, b.organisationId)));
    expect(tokens.idToken.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(tokens.idToken.sk_org).toMatchObject({ id: b.organisationId });
  });

  it('asks for the organisation on SSO into a new portal, and answers prompt=none with account_selection_required', async () => {
    const { b, person, portal, other } = await personInTwo();
    const agent = new BrowserAgent(kontor.url);
    const plain = await start(agent, other, { scope: 'openid profile' });
    await consentIfAsked(agent, await submitLogin(agent, plain.page, person.email, person.password));

    const silent = await start(agent, portal, { prompt: 'none' });
    expect(new URL(silent.page.location!).searchParams.get('error')).toBe('account_selection_required');

    const sso = await start(agent, portal);
    expect(sso.page.body).not.toContain('name="password"');
    expect(sso.page.body).toContain('Für welche Organisation');
    const tokens = await redeem(sso.config, sso.request, await consentIfAsked(agent, await choose(agent, sso.page, b.organisationId)));
    expect(tokens.userinfo.sk_org).toMatchObject({ id: b.organisationId });
  });

  it('refuses a member without a role at the client after a page that says why (de and en)', async () => {
    const org = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const portal = await clientWithRoles(kontor);
    await kontor.container.organisations.subscriptions.subscribe(org.admin.accountId, org.organisationId, portal.clientId);
    for (const [locale, text] of [
      ['de', 'keine Rolle'],
      ['en', 'You have no role'],
    ] as const) {
      const agent = new BrowserAgent(kontor.url);
      const { page } = await start(agent, portal, { ui_locales: locale });
      const refused = await submitLogin(agent, page, member.email, member.password);
      expect(refused.status).toBe(200);
      expect(refused.body).toContain(text);
      expect(refused.body).toContain(org.input.name);
      const form = formEndingWith(refused.body, '/organisation/refuse');
      const back = await agent.follow(await agent.post(form.action, form.fields), (location) => location.startsWith('http://127.0.0.1:4999'));
      const callback = new URL(back.location!);
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('error_description')).toMatch(/no role/);
      expect(callback.searchParams.has('code')).toBe(false);
    }
  });

  it('keeps an approval-required service unusable until the authority approves', async () => {
    const org = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const portal = await clientWithRoles(kontor, { orgApproval: 'authority', authorityEmail: 'leitstelle@example.org' });
    const { subscriptions, assignments } = kontor.container.organisations;
    await subscriptions.subscribe(org.admin.accountId, org.organisationId, portal.clientId);

    const agent = new BrowserAgent(kontor.url);
    const pending = await start(agent, portal);
    const refused = await submitLogin(agent, pending.page, member.email, member.password);
    expect(refused.body).toContain('wartet noch auf die Freigabe');
    const form = formEndingWith(refused.body, '/organisation/refuse');
    const back = await agent.follow(await agent.post(form.action, form.fields), (location) => location.startsWith('http://127.0.0.1:4999'));
    expect(new URL(back.location!).searchParams.get('error_description')).toMatch(/approval/);

    await subscriptions.decide({ kind: 'operator' }, org.organisationId, portal.clientId, 'approved');
    await assignments.assign(org.admin.accountId, org.organisationId, { accountId: member.accountId }, portal.clientId, ['trainee']);
    // The refusal left no login session behind: the person logs in again.
    const approved = await start(agent, portal);
    const tokens = await redeem(
      approved.config,
      approved.request,
      await consentIfAsked(agent, await submitLogin(agent, approved.page, member.email, member.password)),
    );
    expect(tokens.userinfo).toMatchObject({ sk_org: { id: org.organisationId }, sk_org_roles: ['trainee'] });
  });

  it('logs in a person without an organisation: no step, no sk_org', async () => {
    const person = await createUser(kontor);
    const portal = await clientWithRoles(kontor, { idTokenClaims: true });
    const agent = new BrowserAgent(kontor.url);
    const { config, request, page } = await start(agent, portal);
    const tokens = await redeem(config, request, await consentIfAsked(agent, await submitLogin(agent, page, person.email, person.password)));
    expect(tokens.idToken).not.toHaveProperty('sk_org');
    expect(tokens.userinfo).not.toHaveProperty('sk_org');
    expect(tokens.userinfo.given_name).toBe('Erika');
  });

  it('runs no organisation query for a plain openid profile email request (and does for sk_organisation)', async () => {
    const org = await organisationWithAdmin(kontor);
    const member: TestUser = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const portal = await clientWithRoles(kontor);
    const statements = await recordStatements(kontor);

    const agent = new BrowserAgent(kontor.url);
    const plain = await start(agent, portal, { scope: 'openid profile email' });
    statements.length = 0;
    const callback = await consentIfAsked(agent, await submitLogin(agent, plain.page, member.email, member.password));
    const tokens = await redeem(plain.config, plain.request, callback);
    expect(tokens.userinfo.email).toBe(member.email);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((text) => /organisation/i.test(text))).toEqual([]);

    // The same observation sees the organisation queries when the portal asks for the scope.
    const asked = new BrowserAgent(kontor.url);
    const withScope = await start(asked, portal);
    statements.length = 0;
    await submitLogin(asked, withScope.page, member.email, member.password);
    expect(statements.some((text) => /organisation/i.test(text))).toBe(true);
  });
});
