/**
 * Findings of the security review of organisations (issue 19), each as the attack that worked:
 * - SSO into a portal whose organisation decision the session remembers skipped the access rule: a member
 *   whose service or membership was taken away still got a code (seed 002: no role, no use).
 * - An admin could change the organisation's name and postal code to another organisation's, so join
 *   requests with that organisation's data could land in the copy (registration refuses the same data).
 */
import * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { clientWithRoles, memberOf, organisationWithAdmin, refusal } from './helpers/organisations.ts';
import { authorizationRequest, BrowserAgent, discover, formEndingWith, open, submitConsent, submitLogin } from './helpers/relying-party.ts';
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
});
