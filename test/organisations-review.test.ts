/**
 * Findings of the security review of organisations (issue 19), each as the attack that worked:
 * - SSO into a portal whose organisation decision the session remembers skipped the access rule: a member
 *   whose service or membership was taken away still got a code (seed 002: no role, no use).
 * - An admin could change the organisation's name and postal code to another organisation's, so join
 *   requests with that organisation's data could land in the copy (registration refuses the same data).
 * - An offline refresh token outliving its session fell back to another organisation than its login chose.
 * - Roles taken out of a client's catalogue stayed in its tokens (assignments keep the keys they were given).
 * - A removed or demoted admin's open invitations stayed valid (an admin invitation to their own address).
 * - Registration answered "already registered" without limit: the join request's hiding of which
 *   organisations exist could be walked around.
 */
import * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { adult, auditOf, clientWithRoles, memberOf, organisationInput, organisationWithAdmin, refusal, setBirthdate } from './helpers/organisations.ts';
import { authorizationRequest, BrowserAgent, discover, formEndingWith, open, POST_LOGOUT_URI, submitConsent, submitLogin } from './helpers/relying-party.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';
import { AppError } from '../src/shared/app-error.ts';

const ORG_SCOPE = 'openid profile sk_organisation';

describe('organisations under attack (security review of issue 19)', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  });
  afterAll(() => kontor?.stop());

  async function start(agent: BrowserAgent, client: { clientId: string; clientSecret?: string }, extra: Record<string, string> = {}) {
    const config = await discover(kontor, client.clientId, client.clientSecret);
    const request = await authorizationRequest(config, { scope: ORG_SCOPE, ...extra });
    return { config, request, page: await open(agent, request.url) };
  }
  const consentIfAsked = async (agent: BrowserAgent, page: AgentResponse) =>
    page.status === 200 && page.body.includes('/consent') ? submitConsent(agent, page) : page;

  /** A member with the role `trainee` at a portal, logged in there once in `agent` (the session remembers the organisation). */
  async function loggedInMember() {
    const org = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const portal = await clientWithRoles(kontor);
    const { subscriptions, assignments } = kontor.container.organisations;
    await subscriptions.subscribe(org.admin.accountId, org.organisationId, portal.clientId);
    await assignments.assign(org.admin.accountId, org.organisationId, { accountId: member.accountId }, portal.clientId, ['trainee']);
    const agent = new BrowserAgent(kontor.url);
    const first = await start(agent, portal);
    const back = await consentIfAsked(agent, await submitLogin(agent, first.page, member.email, member.password));
    const tokens = await oidc.authorizationCodeGrant(first.config, new URL(back.location!, back.url), {
      pkceCodeVerifier: first.request.codeVerifier,
      expectedState: first.request.state,
      expectedNonce: first.request.nonce,
    });
    expect(await oidc.fetchUserInfo(first.config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ sk_org_roles: ['trainee'] });
    return { org, member, portal, agent };
  }

  it('applies the access rule again on SSO: the service taken away, the portal gets access_denied, never a code', async () => {
    const { org, member, portal, agent } = await loggedInMember();
    await kontor.container.organisations.assignments.unassign(org.admin.accountId, org.organisationId, { accountId: member.accountId }, portal.clientId);

    const sso = await start(agent, portal);
    expect(sso.page.location ?? '').not.toContain('code=');
    expect(sso.page.status).toBe(200);
    expect(sso.page.body).toContain('keine Rolle');
    expect(sso.page.body).not.toContain('name="password"');
    const form = formEndingWith(sso.page.body, '/organisation/refuse');
    const back = await agent.follow(await agent.post(form.action, form.fields), (location) => location.startsWith('http://127.0.0.1:4999'));
    const callback = new URL(back.location!);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.has('code')).toBe(false);

    // Silent SSO (prompt=none) is no way around it either.
    const silent = await start(agent, portal, { prompt: 'none' });
    const silentBack = new URL(silent.page.location!);
    expect(silentBack.searchParams.has('code')).toBe(false);
    expect(silentBack.searchParams.get('error')).toBe('access_denied');
  });

  it('applies the access rule again on SSO after the member was removed from the organisation', async () => {
    const { org, member, portal, agent } = await loggedInMember();
    await kontor.container.organisations.members.remove(org.admin.accountId, org.organisationId, member.accountId);
    // Silently: the session's organisation is no longer the person's, so no code without asking.
    const silent = await start(agent, portal, { prompt: 'none' });
    expect(new URL(silent.page.location!).searchParams.get('error')).toBe('access_denied');
    // Interactively: no password (SSO), no organisation left, so the login goes on without organisation claims.
    const sso = await start(agent, portal);
    expect(sso.page.body ?? '').not.toContain('name="password"');
    const back = await consentIfAsked(
      agent,
      sso.page.location ? sso.page : await agent.follow(sso.page, (location) => location.startsWith('http://127.0.0.1:4999')),
    );
    const tokens = await oidc.authorizationCodeGrant(sso.config, new URL(back.location!, back.url), {
      pkceCodeVerifier: sso.request.codeVerifier,
      expectedState: sso.request.state,
      expectedNonce: sso.request.nonce,
    });
    const info = await oidc.fetchUserInfo(sso.config, tokens.access_token, tokens.claims()!.sub);
    expect(info).not.toHaveProperty('sk_org');
    expect(info).not.toHaveProperty('sk_org_roles');
  });

  it("refuses to change an organisation's name and postal code to another organisation's (join requests would go astray)", async () => {
    const victim = await organisationWithAdmin(kontor);
    const copy = await organisationWithAdmin(kontor, { postalCode: '10115', city: 'Berlin' });
    const { organisations, joinRequests } = kontor.container.organisations;
    const error = await refusal(organisations.update(copy.admin.accountId, copy.organisationId, { ...victim.input, contactEmail: 'copy@example.org' }));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('organisation.already_registered');
    // Whitespace and case do not make it another organisation either.
    const spaced = await refusal(
      organisations.update(copy.admin.accountId, copy.organisationId, { ...victim.input, name: `  ${victim.input.name.toUpperCase()} ` }),
    );
    expect((spaced as AppError).code).toBe('organisation.already_registered');
    // Its own data again is no clash.
    await organisations.update(victim.admin.accountId, victim.organisationId, { ...victim.input, city: 'Köln-Porz' });

    // A join request with the victim's data reaches the victim's admins only.
    const member = await memberOf(kontor, victim.organisationId, victim.admin, victim.input);
    expect((await kontor.container.organisations.access.organisationsOf(member.accountId)).map((row) => row.id)).toEqual([victim.organisationId]);
    expect(await joinRequests.pending(copy.admin.accountId, copy.organisationId)).toEqual([]);
  });

  it('keeps an offline refresh token to the organisation its login chose, after the session ended and another login chose another', async () => {
    const a = await organisationWithAdmin(kontor);
    const b = await organisationWithAdmin(kontor);
    const person = await memberOf(kontor, a.organisationId, a.admin, a.input);
    const { joinRequests, subscriptions, assignments } = kontor.container.organisations;
    const { requestId } = await joinRequests.request(person.accountId, {
      name: b.input.name,
      postalCode: b.input.postalCode,
      registerNumber: b.input.registerNumber,
    });
    await joinRequests.accept(b.admin.accountId, b.organisationId, requestId);
    const portal = await clientWithRoles(kontor, { scopes: ['openid', 'profile', 'sk_organisation', 'offline_access'] });
    for (const [org, role] of [
      [a, 'trainer'],
      [b, 'trainee'],
    ] as const) {
      await subscriptions.subscribe(org.admin.accountId, org.organisationId, portal.clientId);
      await assignments.assign(org.admin.accountId, org.organisationId, { accountId: person.accountId }, portal.clientId, [role]);
    }
    const choose = async (agent: BrowserAgent, page: AgentResponse, organisationId: string) => {
      const form = formEndingWith(page.body, '/organisation');
      return agent.follow(await agent.post(form.action, { ...form.fields, organisation: organisationId }), (location) =>
        location.startsWith('http://127.0.0.1:4999'),
      );
    };
    const redeem = async (login: Awaited<ReturnType<typeof start>>, back: AgentResponse) =>
      oidc.authorizationCodeGrant(login.config, new URL(back.location!, back.url), {
        pkceCodeVerifier: login.request.codeVerifier,
        expectedState: login.request.state,
        expectedNonce: login.request.nonce,
      });

    // The first browser's login chooses A, with a refresh token that outlives the session (offline_access).
    const first = new BrowserAgent(kontor.url);
    const atA = await start(first, portal, { scope: `${ORG_SCOPE} offline_access`, prompt: 'consent' });
    const tokens = await redeem(
      atA,
      await consentIfAsked(first, await choose(first, await submitLogin(first, atA.page, person.email, person.password), a.organisationId)),
    );
    expect(tokens.refresh_token).toBeDefined();
    const logout = oidc.buildEndSessionUrl(atA.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI });
    expect((await open(first, logout)).status).toBe(303);

    // Another browser's login chooses B (remembered for the portal from now on).
    const second = new BrowserAgent(kontor.url);
    const atB = await start(second, portal, { prompt: 'select_account' });
    const chooser = await submitLogin(second, atB.page, person.email, person.password);
    await redeem(atB, await consentIfAsked(second, await choose(second, chooser, b.organisationId)));

    // The first login's refresh token still speaks for A: never B's organisation or roles.
    const refreshed = await oidc.refreshTokenGrant(atA.config, tokens.refresh_token!);
    const info = await oidc.fetchUserInfo(atA.config, refreshed.access_token, tokens.claims()!.sub);
    expect(info.sk_org).toEqual({ id: a.organisationId, name: a.input.name });
    expect(info.sk_org_roles).toEqual(['trainer']);

    // Once the person left A, the token carries no organisation at all (not B, the only one left).
    await kontor.container.organisations.members.leave(person.accountId, a.organisationId);
    const later = await oidc.refreshTokenGrant(atA.config, refreshed.refresh_token!);
    const after = await oidc.fetchUserInfo(atA.config, later.access_token, tokens.claims()!.sub);
    expect(after).not.toHaveProperty('sk_org');
    expect(after).not.toHaveProperty('sk_org_roles');
  });

  it('limits registration attempts with the join requests: "already registered" is no unlimited way to find out which organisations exist', async () => {
    const known = await organisationWithAdmin(kontor);
    const prober = await adult(kontor);
    const { organisations, joinRequests } = kontor.container.organisations;
    // The default limit is five an hour per account: three join attempts and two registrations of known data …
    for (const postalCode of ['10115', '20095', '80331'])
      expect(await refusal(joinRequests.request(prober.accountId, { name: known.input.name, postalCode }))).toMatchObject({
        code: 'organisation.join_mismatch',
      });
    for (let attempt = 0; attempt < 2; attempt += 1)
      expect(await refusal(organisations.register(prober.accountId, known.input))).toMatchObject({ code: 'organisation.already_registered' });
    // … and the next probe is refused without an answer about the data, as is the next join request.
    expect(await refusal(organisations.register(prober.accountId, known.input))).toMatchObject({ code: 'organisation.registration_limit', status: 429 });
    expect(await refusal(organisations.register(prober.accountId, organisationInput()))).toMatchObject({ code: 'organisation.registration_limit' });
    expect(await refusal(joinRequests.request(prober.accountId, { name: known.input.name, postalCode: known.input.postalCode }))).toMatchObject({
      code: 'organisation.join_limit',
    });
  });

  it("never puts a role into sk_org_roles that the client's catalogue no longer has", async () => {
    const org = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const portal = await clientWithRoles(kontor);
    const { subscriptions, assignments, access } = kontor.container.organisations;
    await subscriptions.subscribe(org.admin.accountId, org.organisationId, portal.clientId);
    await assignments.assign(org.admin.accountId, org.organisationId, { accountId: member.accountId }, portal.clientId, ['trainer', 'trainee']);
    // The operator takes `trainer` out of the catalogue (CLI `client roles`).
    await kontor.container.clients.setOrganisationTerms(
      portal.clientId,
      { roles: [{ key: 'trainee', label: { de: 'Auszubildende', en: 'Trainee' } }] },
      kontor.container.validateClientMetadata,
    );
    const released = await access.attributesOf(member.accountId, { clientId: portal.clientId });
    expect(released.find((attribute) => attribute.name === 'sk_org_roles')?.value).toEqual(['trainee']);
    expect(await access.accessDecision(member.accountId, org.organisationId, portal.clientId)).toEqual({ allowed: true, roles: ['trainee'] });
  });

  it('withdraws the open invitations of an admin who is removed or demoted: no way back in as admin through one of their own', async () => {
    const org = await organisationWithAdmin(kontor);
    const { members, invitations } = kontor.container.organisations;
    const second = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const third = await memberOf(kontor, org.organisationId, org.admin, org.input);
    for (const user of [second, third]) {
      await setBirthdate(kontor, user.accountId, '1980-01-01');
      await members.setRole(org.admin.accountId, org.organisationId, user.accountId, 'admin');
    }
    // The second admin invites an address of their own as admin, and so does the third; both lose the role.
    await invitations.invite(second.accountId, org.organisationId, { email: 'second.back@example.org', role: 'admin' });
    await invitations.invite(third.accountId, org.organisationId, { email: 'third.back@example.org', role: 'admin' });
    const kept = await invitations.invite(org.admin.accountId, org.organisationId, { email: 'colleague@example.org' });
    await members.remove(org.admin.accountId, org.organisationId, second.accountId);
    await members.setRole(org.admin.accountId, org.organisationId, third.accountId, 'member');

    expect((await invitations.invitations(org.admin.accountId, org.organisationId)).map((row) => row.id)).toEqual([kept.invitationId]);
    const withdrawn = await auditOf(kontor, 'organisation.invitation_withdrawn', org.organisationId);
    expect(withdrawn).toHaveLength(2);
    expect(withdrawn.every((event) => event.accountId === org.admin.accountId && event.details.reason === 'inviter_no_admin')).toBe(true);
  });

  it('keeps one admin when two admins demote or remove each other at the same moment', async () => {
    const { members } = kontor.container.organisations;
    for (const [first, second] of [
      ['setRole', 'setRole'],
      ['remove', 'remove'],
      ['setRole', 'remove'],
    ] as const) {
      const org = await organisationWithAdmin(kontor);
      const other = await memberOf(kontor, org.organisationId, org.admin, org.input);
      await setBirthdate(kontor, other.accountId, '1980-01-01');
      await members.setRole(org.admin.accountId, org.organisationId, other.accountId, 'admin');
      const act = (kind: 'setRole' | 'remove', actor: string, target: string) =>
        kind === 'setRole' ? members.setRole(actor, org.organisationId, target, 'member') : members.remove(actor, org.organisationId, target);
      const results = await Promise.allSettled([act(first, org.admin.accountId, other.accountId), act(second, other.accountId, org.admin.accountId)]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(['organisation.last_admin', 'organisation.not_admin']).toContain((refused.reason as AppError).code);
      const left = await members.members(results[0].status === 'fulfilled' ? org.admin.accountId : other.accountId, org.organisationId);
      expect(left.filter((member) => member.role === 'admin')).toHaveLength(1);
    }
  });
});
